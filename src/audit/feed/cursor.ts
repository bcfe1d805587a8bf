/** What every cursor of this feed version starts with, before base64url: a cursor of another feed is refused. */
const CURSOR_PREFIX = "stagegate.audit.v1:";

/**
 * The position after which a page starts: the `seq` of the last entry the previous page covered (0: before the
 * first entry). Opaque to clients (base64url), but nothing more than the store's own order, so a cursor stays
 * valid across replicas, restarts and leader changes.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`, "utf8").toString("base64url");
}

/** Why a cursor was refused, as a clause for the 400 answer naming `after`. */
export class CursorError extends Error {
  override readonly name = "CursorError";
}

/**
 * The seq a cursor stands for. Refuses anything this feed did not hand out: not base64url, another prefix, or a
 * position that is not a whole number from 0 to 2^53 - 1.
 */
export function decodeCursor(cursor: string): number {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) {
    throw new CursorError("is not a cursor this feed handed out (base64url of at most 64 characters)");
  }
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(CURSOR_PREFIX)) throw new CursorError("is not a cursor of this feed's version (v1)");
  const position = text.slice(CURSOR_PREFIX.length);
  const seq = /^(0|[1-9][0-9]{0,15})$/.test(position) ? Number(position) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw new CursorError("does not hold a valid position");
  return seq;
}
