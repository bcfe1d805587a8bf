/**
 * Text from outside (alert labels and annotations, pipeline payloads) is shown later in `kubectl describe`, in
 * Events and in the CLI. Terminal escape sequences in it could rewrite the screen, hide lines or forge output;
 * other control characters can do the same more crudely. These functions remove them, keeping the text a
 * person meant: letters, digits, punctuation, spaces and (in multi-line text) newlines and tabs.
 */

/** ESC-introduced sequences: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ST`), DCS/SOS/PM/APC, and 2-byte ones. */
const ESCAPE_SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[\s\S])?/g;

/** C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidirectional overrides and isolates. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Multi-line text without escape sequences or control characters; newlines and tabs are kept. */
export function printableText(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "").replace(/\r\n?/g, "\n").replace(CONTROLS, "");
}

/** One line of printable text: as {@link printableText}, with newlines and tabs turned into single spaces. */
export function printableLine(text: string): string {
  return printableText(text).replace(/[\n\t]+/g, " ");
}

/** Whether `text` is already printable (nothing would be removed or replaced by {@link printableText}). */
export function isPrintableText(text: string): boolean {
  return printableText(text) === text;
}
