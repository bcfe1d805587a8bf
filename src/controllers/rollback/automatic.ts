import { formatTimestamp } from "../../runtime/duration.js";
import { describeTarget, targetIdentity } from "../drift-check/evidence.js";
import { releaseKey } from "../release/names.js";
import { activeFreezes, breakGlassChange } from "./break-glass.js";
import { audit, replaced, currentRevision, nothing, notify, owner } from "./decision-parts.js";
import type { DecisionContext, RollbackDecision } from "./decision-types.js";
import { rollbackTarget } from "./previous-revision.js";
import { ROLLBACK_ACTOR, ROLLBACK_RECHECK_MS, ROLLED_BACK_ITEM, RollbackReason } from "./reasons.js";
import { describeCause, describePrevious, rolledBackNotes, sentenceOf } from "./wording.js";

/**
 * Automatic: roll the target back to the previous revision under the rollback lock (waiting for another release's
 * promotion or rollback, taking it from the rolled-back release or from a holder that is not real), through a freeze as break-glass, and finish the item from
 * what the tool reports: Done when it runs the previous revision, Failed when the tool gave up.
 */
export function automatic(ctx: DecisionContext, ours: boolean): RollbackDecision {
  const { input, target } = ctx;
  const task = input.task;
  if (target === undefined || targetIdentity(target) === undefined) {
    const message =
      `Release ${ctx.release.name} has no Argo CD or Flux target for ${ctx.environment}: nothing can be rolled ` +
      `back automatically; the rollback owner ${owner(ctx)} rolls back by hand.`;
    return notify(ctx, RollbackReason.NoTarget, "Warning", message);
  }
  const previous = input.previous;
  if (previous === undefined) {
    const message =
      `An automatic rollback is impossible: no other release was Verified on ${describeTarget(target)} before ` +
      `release ${ctx.release.name} deployed there. The rollback owner ${owner(ctx)} decides what to roll back to.`;
    return notify(ctx, RollbackReason.NoPreviousRevision, "Warning", message);
  }
  const from = currentRevision(ctx);
  const rolledBack = releaseKey(task.namespace, ctx.release.name);
  const holder = input.lockHolder;
  const forged = input.lockHolderReal === false;
  if (holder !== undefined && !ours && holder !== rolledBack && !forged) {
    const message =
      `${describeTarget(target)} is locked by ${holder}: the rollback to revision ${previous.revision} waits ` +
      "until that promotion frees it.";
    const changed = task.recorded !== RollbackReason.LockHeld;
    return {
      ...nothing("Wait", RollbackReason.LockHeld, message),
      requeueAfterMs: ROLLBACK_RECHECK_MS,
      ...(changed
        ? {
            record: { annotation: RollbackReason.LockHeld },
            events: [{ type: "Normal", reason: RollbackReason.LockHeld, message }],
          }
        : {}),
    };
  }
  const delivery = input.delivery;
  const at = formatTimestamp(ctx.now);
  if (delivery?.state === "Deployed" || delivery?.state === "Failed") {
    const done = delivery.state === "Deployed";
    const notes = done
      ? rolledBackNotes(target, previous.revision, from, at)
      : `The rollback of ${describeTarget(target)} to revision ${previous.revision} failed: ${sentenceOf(delivery.message)}`;
    const reason = done ? RollbackReason.RollbackCompleted : RollbackReason.RollbackFailed;
    return {
      kind: "Finish",
      reason,
      message: notes,
      finish: {
        item: {
          name: ROLLED_BACK_ITEM,
          state: done ? "Done" : "Failed",
          completedBy: ROLLBACK_ACTOR,
          evidence: { result: done ? "Passed" : "Failed", notes },
        },
        annotation: reason,
      },
      ...(ours ? { freeLock: true } : {}),
      audit: [
        audit(
          ctx,
          "RollbackCompleted",
          {
            result: done ? "Passed" : "Failed",
            from,
            to: previous.revision,
            previousRelease: previous.release,
            message: delivery.message,
          },
          // One conclusion per start of the rolled-back item (the start time the task carries, if any).
          [ROLLED_BACK_ITEM, replaced(task.startedAt)],
        ),
      ],
      events: [{ type: done ? "Normal" : "Warning", reason, message: notes }],
    };
  }
  if (delivery?.state === "Missing") {
    return {
      ...notify(ctx, RollbackReason.NoTarget, "Warning", sentenceOf(delivery.message)),
      requeueAfterMs: ROLLBACK_RECHECK_MS,
    };
  }
  const started = task.recorded === RollbackReason.RollbackStarted;
  const freezes = started ? [] : activeFreezes(input.environment, ctx.now);
  const breakGlass =
    freezes.length === 0
      ? undefined
      : breakGlassChange(
          {
            task: task.name,
            release: ctx.release.name,
            environment: ctx.environment,
            environmentSpec: input.environment,
            target,
            from,
            to: previous.revision,
            cause: describeCause(task.spec.alert),
          },
          freezes,
          ctx.now,
        );
  const message =
    `Rolling ${describeTarget(target)} back from revision ${from} to ${describePrevious(previous)} after ` +
    `${describeCause(task.spec.alert)}${breakGlass === undefined ? "" : `, through the release freeze ${breakGlass.freezes.join(", ")} as break-glass`}.`;
  return {
    kind: "Roll",
    reason: RollbackReason.RollbackStarted,
    message,
    ...(ours ? {} : { takeLock: { from: holder } }),
    promote: rollbackTarget(target, previous.revision),
    ...(breakGlass === undefined ? {} : { breakGlass }),
    ...(started
      ? {}
      : {
          record: {
            annotation: RollbackReason.RollbackStarted,
            startedAt: at,
            log: { time: at, author: ROLLBACK_ACTOR, kind: "Comment", message },
          },
        }),
    audit: started
      ? []
      : [
          audit(
            ctx,
            "RollbackStarted",
            {
              from,
              to: previous.revision,
              previousRelease: previous.release,
              ...(holder === undefined || ours ? {} : { lockTakenFrom: holder }),
              ...(forged && !ours ? { forgedLock: true } : {}),
              ...(breakGlass === undefined
                ? {}
                : { breakGlass: breakGlass.name, freezes: breakGlass.freezes }),
            },
            // The start it replaces (none the first time): a start after a wait for the lock is another fact.
            [replaced(task.startedAt)],
          ),
        ],
    events: started ? [] : [{ type: "Normal", reason: RollbackReason.RollbackStarted, message }],
    requeueAfterMs: ROLLBACK_RECHECK_MS,
  };
}
