import { rollbackLockKey } from "../release/names.js";
import { automatic } from "./automatic.js";
import { nothing } from "./decision-parts.js";
import type { DecisionContext, RollbackDecision, RollbackInput } from "./decision-types.js";
import { effectivePolicy } from "./evidence.js";
import { held, manual } from "./notices.js";
import { awaitingAdmission, refused, underOpeningPolicy } from "./refusal.js";
import { ROLLED_BACK_ITEM, RollbackReason } from "./reasons.js";
import { planValidationTask } from "./validation-task.js";

export type {
  ItemCompletion,
  RollbackDecision,
  RollbackDelivery,
  RollbackInput,
  RollbackTaskView,
} from "./decision-types.js";

/**
 * Decides what the rollback controller does about a Rollback task; pure. A task with no evidence that the operator
 * opened it or the rollback owner created it is refused (reported once, never acted on); the rollback owner's task
 * waits while the admission controls are not intact. A task that is not an open rollback of a
 * release is left alone (freeing a rollback lock it still holds, and opening the RollbackValidation task once it
 * succeeded). Otherwise the release's rollback policy decides: Disabled holds (told once, audited), Manual tells
 * the rollback owner what to roll back to (once), Automatic (also when the task was opened under it) rolls the target back to the last Verified revision
 * under the rollback lock, through a freeze as break-glass, and finishes the item from what the tool reports.
 */
export function decideRollback(input: RollbackInput, now: Date): RollbackDecision {
  const { task } = input;
  const lock = rollbackLockKey(task.namespace, task.name);
  const ours = input.lockHolder === lock;
  const settle = (reason: string, message: string): RollbackDecision => {
    const openValidation = task.phase === "Succeeded" ? planValidationTask(task, input.release) : undefined;
    const base = nothing(ours || openValidation !== undefined ? "Settle" : "Skip", reason, message);
    return { ...base, ...(ours ? { freeLock: true } : {}), ...(openValidation ? { openValidation } : {}) };
  };
  if (task.spec.type !== "Rollback")
    return nothing("Skip", "NotRollback", "The task is not a Rollback task.");
  if (task.spec.cancelled) return settle("Cancelled", "The task is cancelled.");
  if (!input.evidence.opened) {
    return input.evidence.awaiting === undefined
      ? refused(input, input.evidence.reason, now, ours)
      : awaitingAdmission(input, input.evidence.reason, now);
  }
  const item = task.spec.checklist.find((i) => i.name === ROLLED_BACK_ITEM);
  const releaseName = task.spec.releaseRef?.name;
  const environment = task.spec.environment;
  if (releaseName === undefined || environment === undefined) {
    return settle("NoRelease", "The task names no release and environment: people roll back.");
  }
  if (item === undefined) return settle("NoRollbackItem", `The checklist has no item ${ROLLED_BACK_ITEM}.`);
  if (item.state !== "Pending" || (task.phase !== undefined && task.phase !== "Ready")) {
    return settle(
      "Finished",
      `Item ${ROLLED_BACK_ITEM} is ${item.state} and the task is ${task.phase ?? "new"}.`,
    );
  }
  const release = input.release;
  if (release === undefined) {
    return settle("ReleaseNotFound", `Release ${releaseName} does not exist: people roll back.`);
  }
  const target = release.spec.targets.find((t) => t.environment === environment);
  if (input.targetNotOwned !== undefined) {
    return settle(
      "TargetNotOwned",
      `${input.targetNotOwned} Stagegate writes nothing to it: people roll back.`,
    );
  }
  const current = release.spec.rollbackPolicy.mode;
  const policy = effectivePolicy(input.evidence, current);
  const ctx: DecisionContext = { input, release, environment, target, policy, now };
  const decision = byPolicy(ctx, ours);
  return policy === current ? decision : underOpeningPolicy(decision, ctx, policy, current);
}

function byPolicy(ctx: DecisionContext, ours: boolean): RollbackDecision {
  switch (ctx.policy) {
    case "Disabled":
      return held(ctx);
    case "Manual":
      return manual(ctx);
    case "Automatic":
      return automatic(ctx, ours);
  }
}

/**
 * Whether a decision taken from the cached delivery object may be written as it is, with no live read of that
 * object or of the task (ADR 0054): the Manual notice, which writes the task alone (its step and log entry) and then
 * its Event, records no audit entry and writes no other object. Of the delivery object it reads only whether the
 * Environment owns it, to say "people roll back" instead of how; the notice is words to the rollback owner, never a
 * write to the target. The task write carries the cached copy's resourceVersion as its precondition, so a task
 * the cache has not brought up to date is decided again from a fresh read.
 */
export function restsOnTheCache(decision: RollbackDecision): boolean {
  return (
    decision.kind === "Notify" &&
    decision.reason === RollbackReason.ManualRollbackRequested &&
    decision.record !== undefined &&
    decision.audit.length === 0 &&
    decision.takeLock === undefined &&
    decision.promote === undefined &&
    decision.breakGlass === undefined &&
    decision.finish === undefined &&
    decision.freeLock !== true &&
    decision.openValidation === undefined
  );
}
