import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Reads a request body up to `limit` bytes; beyond it the rest is drained and discarded (the server's request
 * timeout bounds how long). A client that hangs up mid-body yields "aborted", so no read is left pending.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? "too-large" : Buffer.concat(chunks)));
    req.on("error", () => resolve("aborted"));
    req.on("close", () => {
      if (!req.complete) resolve("aborted");
    });
  });
}

/** Answers with a plain-text body (a newline is added) and the given extra headers. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers }).end(`${text}\n`);
}
