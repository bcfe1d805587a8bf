// Writing the report story to a real trail, and reading a printed report's text back with pdftotext (poppler-utils,
// installed by `make report-tools`).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { AuditEntry } from "../../src/audit/entry.js";
import type { AuditEvent } from "../../src/audit/recorder.js";
import { AuditTrail } from "../../src/audit/trail.js";

/** Start of the story: entries are one second apart from here. */
export const STORY_START = Date.parse("2026-12-06T07:00:00.000Z");

/** Writes the events through a real AuditTrail, one second apart, telling `mirror` of each durable entry. */
export async function writeStory(
  file: string,
  events: readonly AuditEvent[],
  mirror?: (entry: AuditEntry) => Promise<void>,
): Promise<void> {
  let tick = 0;
  const trail = await AuditTrail.open({
    path: file,
    clock: () => new Date(STORY_START + 1000 * tick++),
    ...(mirror === undefined ? {} : { mirror }),
  });
  try {
    for (const event of events) await trail.record(event);
  } finally {
    await trail.close();
  }
}

/** The text of a PDF as pdftotext reads it (reading order, one space between words). */
export function pdfText(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("pdftotext", [file, "-"], (err, stdout) => {
      if (err !== null) reject(new Error(`pdftotext ${file} failed: ${err.message}`));
      else resolve(stdout.replace(/\s+/g, " "));
    });
  });
}

/** The SHA-256 of a file's bytes, to show a read path left it as it was. */
export async function fileDigest(file: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
}
