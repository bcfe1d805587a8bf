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
 * the last line was terminated, refuses to buffer an overlong line and never guesses at invalid UTF-8.
 */
export async function* readAuditLines(path: string): AsyncGenerator<AuditLine> {
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
  let offset = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const stop = newline < 0 ? chunk.length : newline;
      if (!tooLong) {
        partsLength += stop - start;
        if (partsLength > MAX_AUDIT_LINE_BYTES) {
          tooLong = true;
          parts = [];
        } else {
          parts.push(chunk.subarray(start, stop));
        }
      }
      offset += stop - start;
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
      start = newline + 1;
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
