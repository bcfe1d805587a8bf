import type { UserInfo } from "./admission-review.js";
import type { ApprovalView } from "./admitted-objects.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";
import type { WebhookContext } from "./webhook-context.js";

/**
 * Separation of duties against the release's declarers as they stand when the decision is made (ADR 0069). The
 * Approval's `spec.excluded` is fixed when the operator opens it, so a person who changes the release afterwards (and
 * so becomes its declarer) is not on it; `declarers` are the release's `spec.declaredBy` read live, last declarer
 * first. Compared without case, as `spec.excluded` is. Pure.
 */
export function declaredSinceOpened(user: UserInfo, declarers: readonly string[]): Verdict {
  const name = user.username.toLowerCase();
  const at = declarers.findIndex((declarer) => declarer.toLowerCase() === name);
  if (at < 0) return ALLOWED;
  const what = at === 0 ? "declared the release" : "declared the release earlier";
  return deny(
    "SeparationOfDuties",
    `${user.username} cannot decide this change under separation of duties (${what}, after its Approval ` +
      "opened); ask another approver.",
  );
}

/**
 * Judges a decision that passed the Approval's own rules against the current declarers of the release its change is
 * bound to, when separation of duties applied to the Approval's round: then `spec.excluded` holds at least the
 * requester (`decideApprovalPath` opens no round under separation of duties without one), and without it the list is
 * empty. Allowed when the server cannot read declarers (no lookup) or the change's release is gone or another one; a
 * failed read throws, and the server denies what it could not decide.
 */
export async function lateDeclarer(
  approval: ApprovalView,
  user: UserInfo,
  ctx: WebhookContext,
): Promise<Verdict> {
  const change = approval.spec.changeRequestRef?.name;
  const namespace = approval.metadata.namespace;
  if (approval.spec.excluded.length === 0) return ALLOWED;
  if (ctx.lookupChangeDeclarers === undefined || change === undefined || namespace === undefined)
    return ALLOWED;
  const declarers = await ctx.lookupChangeDeclarers(namespace, change);
  return declarers === undefined ? ALLOWED : declaredSinceOpened(user, declarers);
}
