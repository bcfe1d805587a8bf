import { ROLLED_BACK_ITEM, RollbackReason } from "./reasons.js";
import type { DecisionContext, RollbackDecision } from "./decision-types.js";
import { replaced, currentRevision, audit, notify, owner } from "./decision-parts.js";
import { describeTarget } from "../drift-check/evidence.js";
import { describeCause, describePrevious, manualCommand, sentenceOf } from "./wording.js";

/**
 * Disabled: nothing is reverted; the owners are told why once, and the hold is audited under the step it
 * replaces on the task (`DeploymentTask/<uid>/RollbackHeld/<step before>`).
 */
export function held(ctx: DecisionContext): RollbackDecision {
  const why = ctx.release.spec.rollbackPolicy.reason ?? "no reason was given";
  const message =
    `Rollback disabled: ${sentenceOf(why)} Nothing was reverted after ${describeCause(ctx.input.task.spec.alert)}; ` +
    `the release stays held in ${ctx.environment}, and the rollback owner ${owner(ctx)} decides how to recover.`;
  return notify(
    ctx,
    RollbackReason.RollbackHeld,
    "Warning",
    message,
    audit(ctx, "RollbackHeld", { reason: why, revision: currentRevision(ctx) }, [
      replaced(ctx.input.task.recorded),
    ]),
  );
}

/** Manual: the rollback owner is told once what to roll back to, and how. */
export function manual(ctx: DecisionContext): RollbackDecision {
  const previous = ctx.input.previous;
  const how =
    previous === undefined || ctx.target === undefined
      ? "Stagegate knows of no earlier Verified release on this target: choose the revision to return to"
      : `for example: ${manualCommand(ctx.target, previous.revision)}`;
  const message =
    `Rollback owner ${owner(ctx)}: roll ${ctx.target === undefined ? ctx.environment : describeTarget(ctx.target)} ` +
    `back from revision ${currentRevision(ctx)} to ${describePrevious(previous)} after ` +
    `${describeCause(ctx.input.task.spec.alert)}; ${how}. Then mark item ${ROLLED_BACK_ITEM} Done.`;
  return notify(ctx, RollbackReason.ManualRollbackRequested, "Normal", message);
}
