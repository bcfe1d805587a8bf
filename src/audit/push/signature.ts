import { createHmac, timingSafeEqual } from "node:crypto";

/** The headers of a push: when it was signed (Unix seconds), and the signature. */
export const PUSH_TIMESTAMP_HEADER = "x-stagegate-timestamp";
export const PUSH_SIGNATURE_HEADER = "x-stagegate-signature";

/**
 * The signature a receiver checks: `sha256=` and the hex HMAC-SHA256, under the shared key, of the timestamp, a
 * full stop and the exact body bytes. The timestamp lets a receiver refuse replays older than it tolerates.
 */
export function signPush(key: Buffer, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Whether `signature` is the one {@link signPush} gives (in constant time): what a receiver runs. */
export function verifyPushSignature(
  key: Buffer,
  timestamp: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signPush(key, Number(timestamp), body));
  const given = Buffer.from(signature);
  return (
    /^[0-9]{1,12}$/.test(timestamp) && given.length === expected.length && timingSafeEqual(given, expected)
  );
}
