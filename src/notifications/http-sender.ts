import https from "node:https";
import { isIP } from "node:net";
import { PUSH_SIGNATURE_HEADER, PUSH_TIMESTAMP_HEADER, signPush } from "../audit/push/signature.js";
import type { AttemptOutcome } from "./delivery-plan.js";

/** The header that carries the delivery id: a receiver that sees it twice can drop the repeat. */
export const DELIVERY_ID_HEADER = "x-stagegate-delivery";

/** One POST of a chat or webhook channel. */
export interface HttpDelivery {
  url: URL;
  /** The address to connect to, resolved and checked once (see DestinationGuard). */
  address: string;
  body: string;
  deliveryId: string;
  caPem?: string;
  /** Signs the body (generic webhook): HMAC-SHA256 over `timestamp.body`, as the audit push signs. */
  hmacKey?: Buffer;
  now: () => number;
  timeoutMs?: number;
}

/**
 * POSTs one body over HTTPS to the resolved address (certificate checked against the URL's host). 2xx delivered;
 * 408, 429, 5xx, or a failure before the request was fully written: retry (it was not taken); any other status:
 * failed. A failure after the whole request was written with no answer may have been taken: failed, never resent
 * (at most once). Never rejects; errors name no URL (a chat webhook's URL is its secret).
 */
export function postNotification(delivery: HttpDelivery): Promise<AttemptOutcome> {
  const timestamp = Math.floor(delivery.now() / 1000);
  const { url } = delivery;
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return new Promise((resolve) => {
    let written = false;
    const req = https.request({
      method: "POST",
      host: delivery.address,
      port: url.port === "" ? 443 : Number(url.port),
      path: `${url.pathname}${url.search}`,
      agent: false,
      ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
      ...(delivery.caPem === undefined ? {} : { ca: delivery.caPem }),
      timeout: delivery.timeoutMs ?? 10_000,
      headers: {
        Host: url.host,
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(delivery.body),
        "User-Agent": "stagegate-notifications",
        [DELIVERY_ID_HEADER]: delivery.deliveryId,
        ...(delivery.hmacKey === undefined
          ? {}
          : {
              [PUSH_TIMESTAMP_HEADER]: String(timestamp),
              [PUSH_SIGNATURE_HEADER]: signPush(delivery.hmacKey, timestamp, delivery.body),
            }),
      },
    });
    req.on("finish", () => (written = true));
    req.on("response", (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve({ kind: "delivered" });
      else if (status === 408 || status === 429 || status >= 500) {
        resolve({ kind: "retry", error: `the receiver answered HTTP ${status}`, receiverDown: true });
      } else resolve({ kind: "failed", error: `the receiver refused the notification with HTTP ${status}` });
    });
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      const why = `${err.message}${code === undefined || err.message.includes(code) ? "" : ` (${code})`}`;
      resolve(
        written
          ? {
              kind: "failed",
              error: `the receiver did not answer after taking the request (${why}); not resent`,
              receiverDown: true,
            }
          : { kind: "retry", error: `could not send to the receiver: ${why}`, receiverDown: true },
      );
    });
    req.end(delivery.body);
  });
}
