import { printableText } from "../runtime/printable-text.js";

/**
 * A writer for a terminal stream: every piece of text is passed through `printableText`, so a value read from
 * the cluster (a task title, a condition message, an alert label) cannot carry escape sequences or control
 * characters to the user's terminal, whatever let it into the object. Newlines and tabs pass.
 */
export function terminalWriter(write: (text: string) => unknown): (text: string) => void {
  return (text) => {
    write(printableText(text));
  };
}
