// The ways a trail can be tampered with, each with the first bad line and problem the verifier must name.
import type { AuditEntry } from "../../../src/audit/entry.js";
import type { AuditProblem } from "../../../src/audit/verification.js";
import { reseal } from "./audit-fixtures.js";

/** How many entries the pristine trail the cases start from holds. */
export const ENTRIES = 8;

export const join = (lines: string[]): string => lines.map((line) => `${line}\n`).join("");
export const entryOf = (line: string | undefined): AuditEntry => JSON.parse(line ?? "") as AuditEntry;
export const edit = (lines: string[], at: number, change: (e: AuditEntry) => string): string[] =>
  lines.map((line, i) => (i === at - 1 ? change(entryOf(line)) : line));
const swap = (lines: string[], a: number, b: number): string[] =>
  lines.map((line, i) => (i === a - 1 ? lines[b - 1] : i === b - 1 ? lines[a - 1] : line) ?? "");

export interface TamperCase {
  name: string;
  tamper: (lines: string[]) => string | Buffer;
  /** Undefined when the trail must still verify. */
  expected?: { line: number; seq?: number; problem: AuditProblem; message: RegExp };
}

export const tamperCases: TamperCase[] = [
  { name: "an untouched trail is intact", tamper: join },
  {
    name: "reformatting a line (key order, spaces) keeps it intact",
    tamper: (lines) =>
      join(
        edit(lines, 3, (e) =>
          JSON.stringify(Object.fromEntries(Object.entries(e).reverse()), null, 0).replace(/,/g, ", "),
        ),
      ),
  },
  {
    name: "a field of entry 4 edited",
    tamper: (lines) => join(edit(lines, 4, (e) => JSON.stringify({ ...e, actor: "mallory" }))),
    expected: {
      line: 4,
      seq: 4,
      problem: "edited",
      message: /^the entry was edited after it was written \(its hash does not match its content\)$/,
    },
  },
  {
    name: "entry 4 edited and its hash recomputed",
    tamper: (lines) => join(edit(lines, 4, (e) => reseal({ ...e, details: { decision: "Reject" } }))),
    expected: {
      line: 5,
      seq: 5,
      problem: "edited",
      message:
        /prevHash does not match the hash of entry 4 on line 4, so this entry or the one before it was edited/,
    },
  },
  {
    name: "line 4 deleted",
    tamper: (lines) => join(lines.filter((_, i) => i !== 3)),
    expected: {
      line: 4,
      seq: 5,
      problem: "removed",
      message: /^entry 5 follows entry 3, so entry 4 was removed$/,
    },
  },
  {
    name: "lines 3 to 5 deleted",
    tamper: (lines) => join(lines.filter((_, i) => i < 2 || i > 4)),
    expected: {
      line: 3,
      seq: 6,
      problem: "removed",
      message: /^entry 6 follows entry 2, so entries 3 to 5 were removed$/,
    },
  },
  {
    name: "the first line deleted",
    tamper: (lines) => join(lines.slice(1)),
    expected: {
      line: 1,
      seq: 2,
      problem: "removed",
      message: /^entry 2 is the first entry, so entry 1 was removed$/,
    },
  },
  {
    name: "lines 3 and 4 swapped",
    tamper: (lines) => join(swap(lines, 3, 4)),
    expected: {
      line: 3,
      seq: 4,
      problem: "reordered",
      message: /^entry 4 comes before entry 3 \(line 4\), so the entries were reordered$/,
    },
  },
  {
    name: "lines 2 and 7 swapped",
    tamper: (lines) => join(swap(lines, 2, 7)),
    expected: {
      line: 2,
      seq: 7,
      problem: "reordered",
      message: /^entry 7 comes before entry 3 \(line 3\), so the entries were reordered$/,
    },
  },
  {
    name: "the last line moved to the top",
    tamper: (lines) => join([...lines.slice(-1), ...lines.slice(0, -1)]),
    expected: { line: 1, seq: 8, problem: "reordered", message: /entry 8 comes before entry 1 \(line 2\)/ },
  },
  {
    name: "line 4 duplicated",
    tamper: (lines) => join([...lines.slice(0, 4), lines[3] ?? "", ...lines.slice(4)]),
    expected: {
      line: 5,
      seq: 4,
      problem: "reordered",
      message: /^it repeats entry 4 from line 4, so the entries were reordered$/,
    },
  },
  {
    name: "a forged entry inserted after line 4 with a recomputed hash but a made-up prevHash",
    tamper: (lines) => {
      const forged = reseal({ ...entryOf(lines[4]), actor: "mallory", prevHash: "f".repeat(64) });
      return join([...lines.slice(0, 4), forged, ...lines.slice(4)]);
    },
    expected: {
      line: 5,
      seq: 5,
      problem: "edited",
      message: /prevHash does not match the hash of entry 4 on line 4/,
    },
  },
  {
    name: "entry 5 relinked to entry 3 and resealed",
    tamper: (lines) => join(edit(lines, 5, (e) => reseal({ ...e, prevHash: entryOf(lines[2]).hash }))),
    expected: {
      line: 5,
      seq: 5,
      problem: "reordered",
      message: /^it links to entry 3 \(line 3\) instead of entry 4 on the line before it/,
    },
  },
  {
    name: "entry 5 renumbered and resealed",
    tamper: (lines) => join(edit(lines, 5, (e) => reseal({ ...e, seq: 9 }))),
    expected: {
      line: 5,
      seq: 9,
      problem: "edited",
      message: /^it links to entry 4 but its seq is 9 instead of 5, so its seq was edited/,
    },
  },
  {
    name: "the first entry's prevHash changed and resealed",
    tamper: (lines) => join(edit(lines, 1, (e) => reseal({ ...e, prevHash: "1".repeat(64) }))),
    expected: { line: 1, seq: 1, problem: "edited", message: /prevHash is not the genesis hash/ },
  },
  {
    name: "the file truncated in the middle of line 6",
    tamper: (lines) => join(lines.slice(0, 5)) + (lines[5] ?? "").slice(0, 40),
    expected: {
      line: 6,
      problem: "malformed",
      message: /no newline at its end, so the write that produced it was cut short/,
    },
  },
  {
    name: "only the final newline removed",
    tamper: (lines) => join(lines).slice(0, -1),
    expected: { line: 8, seq: 8, problem: "malformed", message: /no newline at its end/ },
  },
  {
    name: "garbage appended",
    tamper: (lines) => `${join(lines)}rm -rf /\n`,
    expected: { line: 9, problem: "malformed", message: /^the line is not valid JSON$/ },
  },
  {
    name: "an empty line inserted",
    tamper: (lines) => join([...lines.slice(0, 2), "", ...lines.slice(2)]),
    expected: { line: 3, problem: "malformed", message: /^the line is empty$/ },
  },
  {
    name: "a field added to entry 2",
    tamper: (lines) => join(edit(lines, 2, (e) => reseal({ ...e, note: "added later" } as AuditEntry))),
    expected: {
      line: 2,
      problem: "malformed",
      message: /not an audit entry \(the line: Unrecognized key: "note"\)/,
    },
  },
  {
    name: "a JSON line that is not an entry",
    tamper: (lines) => join([...lines.slice(0, 1), '{"seq":"two"}', ...lines.slice(1)]),
    expected: { line: 2, problem: "malformed", message: /not an audit entry \(seq: / },
  },
  {
    name: "bytes that are not UTF-8 in line 3",
    tamper: (lines) => Buffer.concat([Buffer.from(join(lines.slice(0, 2))), Buffer.from([0xff, 0xfe, 0x0a])]),
    expected: { line: 3, problem: "malformed", message: /not valid UTF-8/ },
  },
];
