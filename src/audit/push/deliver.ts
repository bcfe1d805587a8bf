import https from "node:https";
import { PUSH_SIGNATURE_HEADER, PUSH_TIMESTAMP_HEADER, signPush } from "./signature.js";

/** Where and how pushes go: the endpoint, the key that signs them, and the CA that verifies the endpoint. */
export interface PushEndpoint {
  url: URL;
  key: Buffer;
  /** PEM of the CA the endpoint's certificate chains to; absent: the system's CAs. */
  caPem?: string;
  timeoutMs?: number;
}

/** What became of one delivery attempt. */
export type DeliveryOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; reason: string }
  | { kind: "refused"; status: number; reason: string };

/**
 * POSTs one signed body. 2xx is delivered; 408, 429, 5xx, a timeout or a connection failure is worth retrying
 * (the endpoint is down or busy); any other status is a refusal of this body. Never rejects.
 */
export function deliver(endpoint: PushEndpoint, body: string, now: () => number): Promise<DeliveryOutcome> {
  const timestamp = Math.floor(now() / 1000);
  return new Promise((resolve) => {
    const req = https.request(endpoint.url, {
      method: "POST",
      agent: false,
      ...(endpoint.caPem === undefined ? {} : { ca: endpoint.caPem }),
      timeout: endpoint.timeoutMs ?? 10_000,
      headers: {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        "User-Agent": "stagegate-audit-push",
        [PUSH_TIMESTAMP_HEADER]: String(timestamp),
        [PUSH_SIGNATURE_HEADER]: signPush(endpoint.key, timestamp, body),
      },
    });
    req.on("response", (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve({ kind: "delivered", status });
      else if (status === 408 || status === 429 || status >= 500)
        resolve({ kind: "retry", reason: `HTTP ${status}` });
      else resolve({ kind: "refused", status, reason: `HTTP ${status}` });
    });
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", (err) => resolve({ kind: "retry", reason: err.message }));
    req.end(body);
  });
}
