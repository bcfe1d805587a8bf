import { readFileSync } from "node:fs";
import { request } from "node:https";

/** Files that let a client verify the apiserver and authenticate to it with a client certificate. */
export interface ClientTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A raw HTTP answer: status code and body text. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends one GET to the apiserver with mutual TLS and returns status and body, rejecting on network errors or
 * after `timeoutMs`. It exists for probes that must work before kubectl or a client library can be used.
 */
export async function getWithClientCert(
  server: string,
  path: string,
  tls: ClientTls,
  timeoutMs = 5_000,
): Promise<RawResponse> {
  const url = new URL(path, server);
  const ca = readFileSync(tls.caFile);
  const cert = readFileSync(tls.certFile);
  const key = readFileSync(tls.keyFile);
  return new Promise<RawResponse>((resolve, reject) => {
    const req = request(url, { method: "GET", ca, cert, key, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url.href} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
