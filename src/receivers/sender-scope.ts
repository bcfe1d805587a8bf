import type { IncomingHttpHeaders } from "node:http";
import type { AuditObject, AuditRecorder } from "../audit/recorder.js";
import type { Logger } from "../runtime/logging.js";
import { refusal, type ReceiverAnswer } from "./answer.js";
import type { TokenFile } from "./bearer-tokens.js";
import { outOfScope, type ScopeRequest, type TokenScope } from "./token-scope.js";

/** The authenticated sender of a request, or the answer that refuses it. */
export type Sender = { ok: true; scope: TokenScope } | { ok: false; answer: ReceiverAnswer };

/**
 * The scope of the token a request came with. The route authenticated it before reading the body; this reads it
 * again, so a handler never acts for a request it cannot attribute to a named token.
 */
export function senderOf(tokens: TokenFile | undefined, headers: IncomingHttpHeaders): Sender {
  const identity = tokens?.identify(headers.authorization);
  if (identity?.check === "accepted") return { ok: true, scope: identity.scope };
  return {
    ok: false,
    answer: refusal(401, "Unauthorized", "the bearer token is not accepted (it may have been rotated out)."),
  };
}

/** One thing a sender asks to touch, and how to record a refusal of it. */
export interface ScopeCheck {
  actor: string;
  scope: TokenScope;
  request: ScopeRequest;
  object: AuditObject;
  details: Record<string, unknown>;
}

/**
 * Refuses, with 403 `OutOfScope` naming the token's scope and the fix, a request its token does not cover, and
 * records the attempt (`ReceiverRequestRefused`, the token's name as actor) before answering. Undefined: in scope.
 */
export async function refuseOutOfScope(
  deps: { audit: AuditRecorder; log: Logger },
  check: ScopeCheck,
): Promise<ReceiverAnswer | undefined> {
  const message = outOfScope(check.scope, check.request);
  if (message === undefined) return undefined;
  await deps.audit.record({
    actor: check.actor,
    action: "ReceiverRequestRefused",
    object: check.object,
    details: { ...check.details, reason: "OutOfScope", message },
  });
  deps.log.warn(
    { token: check.scope.name, ...check.request },
    `Refused a request out of its token's scope: ${message}`,
  );
  return refusal(403, "OutOfScope", message);
}
