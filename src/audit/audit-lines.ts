import { createReadStream } from "node:fs";
import { MAX_AUDIT_LINE_BYTES } from "./entry.js";

/** One line of an audit file, read from disk; `text` is undefined when the bytes are not valid UTF-8. */
export interface AuditLine {
  /** 1-based line number. */
  number: number;
  text: string | undefined;
  /** False for a last line with no newline after it: the write that produced it was cut short. */
  complete: boolean;
  /** True when the line is longer than MAX_AUDIT_LINE_BYTES; its text is then not kept. */
  tooLong: boolean;
  /** Byte offset just after the line (and its newline), so a writer knows where the good part of a file ends. */
  end: number;
}

const NEWLINE = 0x0a;

/**
 * Reads a file line by line in bounded memory, however large the file is. Unlike `readline`, it reports whether
 * the last line was terminated, refuses to buffer an overlong line and never guesses at invalid UTF-8. `start`, a
 * byte offset where a line begins, reads only what follows it (line numbers then count from there; `end` stays an
 * offset in the file).
 */
export async function* readAuditLines(path: string, start = 0): AsyncGenerator<AuditLine> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (bytes: Uint8Array): string | undefined => {
    try {
      return decoder.decode(bytes);
    } catch {
      return undefined;
    }
  };
  let parts: Buffer[] = [];
  let partsLength = 0;
  let tooLong = false;
  let number = 0;
  let offset = start;
  for await (const chunk of createReadStream(path, { start }) as AsyncIterable<Buffer>) {
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, from);
      const stop = newline < 0 ? chunk.length : newline;
      if (!tooLong) {
        partsLength += stop - from;
        if (partsLength > MAX_AUDIT_LINE_BYTES) {
          tooLong = true;
          parts = [];
        } else {
          parts.push(chunk.subarray(from, stop));
        }
      }
      offset += stop - from;
      if (newline < 0) break;
      offset += 1;
      number += 1;
      yield {
        number,
        text: tooLong ? "" : decode(Buffer.concat(parts)),
        complete: true,
        tooLong,
        end: offset,
      };
      parts = [];
      partsLength = 0;
      tooLong = false;
      from = newline + 1;
    }
  }
  if (partsLength > 0) {
    number += 1;
    yield {
      number,
      text: tooLong ? "" : decode(Buffer.concat(parts)),
      complete: false,
      tooLong,
      end: offset,
    };
  }
}
