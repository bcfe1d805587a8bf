import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { AuditLine } from "./audit-counts.js";

/** How much of the audit log is read per call to the file. */
const CHUNK = 4 * 2 ** 20;

/**
 * Reads kube-apiserver's audit log (JSON lines, written in blocking mode, so a request's line is in the file
 * before its answer is) from where the last read stopped. A run of 10,000 releases writes hundreds of megabytes:
 * each call reads only what is new, hands each line to a visitor without keeping it, and keeps a partial last
 * line for the next call.
 */
export class AuditTail {
  private offset = 0;
  private partial = "";
  private readonly decoder = new StringDecoder("utf8");
  private inode: number | undefined;

  constructor(private readonly file: string) {}

  /** Calls `visit` with every line completed since the previous call; lines of other shapes are skipped. */
  async readNew(visit: (line: AuditLine) => void): Promise<void> {
    const handle = await open(this.file, "r");
    try {
      // A rotated log is a new file: reading it from the old offset would count garbage, so stop instead.
      const { ino, size } = await handle.stat();
      if ((this.inode !== undefined && ino !== this.inode) || size < this.offset) {
        throw new AuditLogRotatedError(`${this.file} was rotated or truncated under the benchmark.`);
      }
      this.inode = ino;
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const parts = (this.partial + this.decoder.write(buffer.subarray(0, bytesRead))).split("\n");
        this.partial = parts.pop() ?? "";
        for (const part of parts) {
          if (part.trim() === "") continue;
          const parsed = AuditLine.safeParse(JSON.parse(part));
          if (parsed.success) visit(parsed.data);
        }
      }
    } finally {
      await handle.close();
    }
  }
}

/** Raised when kube-apiserver rotated or truncated the audit log being counted: the counts would be wrong. */
export class AuditLogRotatedError extends Error {
  override readonly name = "AuditLogRotatedError";
}
