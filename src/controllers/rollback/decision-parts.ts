import { transitionId, type AuditEvent } from "../../audit/recorder.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { EventSpec } from "../../runtime/events.js";
import { targetIdentity } from "../drift-check/evidence.js";
import { targetRevision } from "../release/delivery.js";
import type {
  DecisionContext,
  LogEntry,
  RollbackDecision,
  RollbackFamilyTaskView,
} from "./decision-types.js";
import { ROLLBACK_ACTOR, type RollbackReason } from "./reasons.js";

/** A decision without actions. */
export const nothing = (
  kind: RollbackDecision["kind"],
  reason: string,
  message: string,
): RollbackDecision => ({
  kind,
  reason,
  message,
  audit: [],
  events: [],
});

/** The revision the rolled-back release runs in the environment: the one it promoted there. */
export function currentRevision(ctx: DecisionContext): string {
  const entry = ctx.release.status?.environments?.find((e) => e.name === ctx.environment);
  if (entry?.revision !== undefined) return entry.revision;
  return ctx.target === undefined
    ? ctx.release.spec.source.revision
    : targetRevision(ctx.target, ctx.release.spec);
}

/** How the audit trail names a Rollback (or validation) task: kind, namespace, name and, when known, uid. */
export function taskObject(task: RollbackFamilyTaskView): AuditEvent["object"] {
  return {
    kind: "DeploymentTask",
    namespace: task.namespace,
    name: task.name,
    ...(task.uid === undefined ? {} : { uid: task.uid }),
  };
}

/**
 * The transition of a fact about a Rollback (or validation) task (ADR 0031): the task's uid, the action and what
 * tells one occurrence from the next, read from the task as it was before the write that shows the fact (so a
 * pass after a crash in between names it alike). None while the uid is unknown.
 */
export function taskTransition(
  task: RollbackFamilyTaskView,
  action: AuditEvent["action"],
  ...parts: readonly string[]
): Pick<AuditEvent, "transition"> {
  return task.uid === undefined
    ? {}
    : { transition: transitionId("DeploymentTask", task.uid, action, ...parts) };
}

/** What a task records before a step, as a transition part: the step (or start time) it replaces, `-` for none. */
export function replaced(value: string | undefined): string {
  return value ?? "-";
}

/**
 * An audit entry about the Rollback task, with the facts every rollback entry carries, under the transition
 * named by `parts` (see {@link taskTransition}).
 */
export function audit(
  ctx: DecisionContext,
  action: AuditEvent["action"],
  details: Record<string, unknown>,
  parts: readonly string[],
): AuditEvent {
  const { task } = ctx.input;
  return {
    actor: ROLLBACK_ACTOR,
    action,
    object: taskObject(task),
    ...taskTransition(task, action, ...parts),
    details: {
      release: ctx.release.name,
      environment: ctx.environment,
      policy: ctx.policy,
      ...(ctx.target === undefined ? {} : { target: { ...targetIdentity(ctx.target) } }),
      ...(task.spec.alert === undefined
        ? {}
        : { alert: { name: task.spec.alert.name, fingerprint: task.spec.alert.fingerprint } }),
      ...details,
    },
  };
}

/** Tells people once: records the step with a log entry, one event, and optionally one audit entry. */
export function notify(
  ctx: DecisionContext,
  reason: RollbackReason,
  type: EventSpec["type"],
  message: string,
  entry?: AuditEvent,
): RollbackDecision {
  if (ctx.input.task.recorded === reason) return nothing("Skip", reason, message);
  const log: LogEntry = { time: formatTimestamp(ctx.now), author: ROLLBACK_ACTOR, kind: "Comment", message };
  return {
    kind: "Notify",
    reason,
    message,
    record: { annotation: reason, log },
    audit: entry === undefined ? [] : [entry],
    events: [{ type, reason, message }],
  };
}

/** The rollback owner's name. */
export function owner(ctx: DecisionContext): string {
  return ctx.release.spec.owners.rollbackOwner.name;
}
