import { parseTimestamp } from "../runtime/duration.js";
import type { AdmissionRequest, JsonPatchOperation, UserInfo } from "./admission-review.js";
import { DECISION_TIME_TOLERANCE_MS } from "./approval-rules.js";

/**
 * What the mutating webhooks write, as pure functions of the request: identity and time come from the API
 * server's authentication and the webhook's clock, never from what the user sent.
 */

/** Escapes one JSON Pointer reference token (RFC 6901): `~` becomes `~0`, then `/` becomes `~1`. */
export function jsonPointerSegment(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Builds a JSON Pointer from unescaped tokens, e.g. `["spec", "decisions", "a/b"]` -> `/spec/decisions/a~1b`. */
export function jsonPointer(...tokens: readonly string[]): string {
  return tokens.map((token) => `/${jsonPointerSegment(token)}`).join("");
}

/** The server's time as a decision stamps it: RFC 3339 in UTC, whole seconds (`2030-01-01T12:00:00Z`). */
export function decisionTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * Whether `at` is a time the webhook stamped now: an RFC 3339 time within the decision tolerance of `now` (a stamp
 * that reached the validating webhook from past the mutating one is judged by this).
 */
export function stampedNow(at: unknown, now: Date): boolean {
  const time = typeof at === "string" ? parseTimestamp(at) : undefined;
  return time !== undefined && Math.abs(time.getTime() - now.getTime()) <= DECISION_TIME_TOLERANCE_MS;
}

/** The requester as stamped into `spec.requestedBy`: exactly the authenticated user name and groups. */
export function requesterOf(user: UserInfo): { username: string; groups: string[] } {
  return { username: user.username, groups: [...user.groups] };
}

/** Sets `spec.requestedBy` from the request's identity, replacing whatever the manifest said. */
export function requesterStamp(user: UserInfo): JsonPatchOperation[] {
  return [{ op: "add", path: jsonPointer("spec", "requestedBy"), value: requesterOf(user) }];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Stamps `decidedAt` (the server's time) and `groups` (the authenticated groups) into each decision the request
 * adds. Entries that are not objects are left for the API server's schema validation to refuse.
 */
export function decisionStamps(
  added: readonly string[],
  decisions: Readonly<Record<string, unknown>>,
  user: AdmissionRequest["userInfo"],
  now: Date,
): JsonPatchOperation[] {
  const at = decisionTime(now);
  return added
    .filter((key) => isPlainObject(decisions[key]))
    .flatMap((key): JsonPatchOperation[] => [
      { op: "add", path: jsonPointer("spec", "decisions", key, "decidedAt"), value: at },
      { op: "add", path: jsonPointer("spec", "decisions", key, "groups"), value: [...user.groups] },
    ]);
}
