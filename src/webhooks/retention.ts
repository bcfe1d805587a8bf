import { formatTimestamp, parseDuration, parseTimestamp } from "../runtime/duration.js";
import type { ClosableObject } from "./admitted-objects.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

/**
 * The retention assumed when a closed object carries no readable `status.retainUntil`: the API's default
 * `gate.retention`. Without it such an object could never be deleted, since a closed status is frozen.
 */
export const DEFAULT_RETENTION = "2160h";

/** What the retention rule judges: the object about to be deleted, its kind (for the message), and now. */
export interface RetentionInput {
  kind: string;
  object: ClosableObject;
  now: Date;
}

/**
 * A closed ChangeRequest or Approval is kept until `status.retainUntil`; open objects may be deleted at any time.
 * CEL has no clock, so this is the webhook's to enforce.
 */
export function retentionNotOver({ kind, object, now }: RetentionInput): Verdict {
  const closedAt = object.status?.closedAt;
  if (closedAt === undefined) return ALLOWED;
  const name = object.metadata.name ?? "";
  const closed = parseTimestamp(closedAt);
  if (closed === undefined) {
    return deny(
      "RetentionNotOver",
      `${kind} ${name} is closed, but its status.closedAt "${closedAt}" is not a time, so its retention cannot be ` +
        "computed; it cannot be deleted.",
    );
  }
  const stated = object.status?.retainUntil;
  const retainUntil =
    (stated === undefined ? undefined : parseTimestamp(stated)) ??
    new Date(closed.getTime() + parseDuration(DEFAULT_RETENTION));
  if (now.getTime() >= retainUntil.getTime()) return ALLOWED;
  return deny(
    "RetentionNotOver",
    `${kind} ${name} closed at ${closedAt} and must be kept until ${formatTimestamp(retainUntil)}; delete it ` +
      "after that.",
  );
}
