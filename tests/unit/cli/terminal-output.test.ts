import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { terminalWriter } from "../../../src/cli/terminal-output.js";
import { printableLine, printableText } from "../../../src/runtime/printable-text.js";

describe("printable text", () => {
  const rows: [situation: string, input: string, text: string, line: string][] = [
    [
      "plain text is kept",
      "Roll back shop-1 in prod ✓",
      "Roll back shop-1 in prod ✓",
      "Roll back shop-1 in prod ✓",
    ],
    ["a colour (CSI) sequence is removed", "a\u001b[31mred\u001b[0m b", "ared b", "ared b"],
    ["a screen clear and cursor moves are removed", "x\u001b[2J\u001b[1A\u001b[2Ky", "xy", "xy"],
    [
      "an OSC hyperlink ended by BEL is removed",
      "\u001b]8;;http://evil\u0007click\u001b]8;;\u0007",
      "click",
      "click",
    ],
    ["an OSC title ended by ST is removed", "q\u001b]0;title\u001b\\z", "qz", "qz"],
    ["a lone ESC and a two-byte sequence are removed", "e\u001bcX\u001b", "eX", "eX"],
    ["C1 controls are removed", "a\u009b31mb\u0085", "a31mb", "a31mb"],
    ["NUL, BEL, backspace and DEL are removed", "a\u0000b\u0007c\bd\u007f", "abcd", "abcd"],
    [
      "CR LF becomes a newline; a line turns it into a space",
      "one\r\ntwo\tthree",
      "one\ntwo\tthree",
      "one two three",
    ],
    ["bidirectional overrides are removed", "abc\u202edef\u2066", "abcdef", "abcdef"],
  ];
  for (const [situation, input, text, line] of rows) {
    it(situation, () => {
      assert.equal(printableText(input), text);
      assert.equal(printableLine(input), line);
    });
  }
});

describe("the CLI's terminal writer", () => {
  it("writes what a verb prints without escape sequences, newlines kept", () => {
    const written: string[] = [];
    const write = terminalWriter((text) => written.push(text));
    write("NAME   TITLE\nt-1    Roll back \u001b[2J\u001b]0;pwned\u0007shop\n");
    assert.deepEqual(written, ["NAME   TITLE\nt-1    Roll back shop\n"]);
  });
});
