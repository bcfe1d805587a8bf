import type { ExportedEntry } from "../../audit/export/sources.js";
import { detail } from "../../audit/reports/details.js";
import { summarise } from "../../audit/reports/timeline.js";

/** One step of a retrospective's timeline: when, where, what happened in words, who, and whether it is vouched for. */
export interface RetroStep {
  time: string;
  environment: string;
  step: string;
  actor: string;
  summary: string;
  /** False after a trail's first bad line: shown, marked, and never used as a fact. */
  vouched: boolean;
}

/** The words a retrospective uses for each action it tells (others keep their action name). */
const STEPS: Readonly<Record<string, string>> = {
  RevisionResolved: "revision resolved",
  ChangeRequested: "change requested",
  ApprovalOpened: "approval opened",
  DecisionRecorded: "decision",
  ChangeApproved: "change approved",
  ChangeRejected: "change rejected",
  ChangeDeferred: "change deferred",
  ChangeExpired: "change expired",
  ChangeClosed: "change closed",
  TaskItemCompleted: "check item completed",
  PipelineEventReceived: "pipeline event",
  GateRefused: "gate refused",
  TargetLocked: "gate cleared (target locked)",
  ReleasePromoted: "deploy started",
  EnvironmentDeployed: "deployed",
  VerificationMeasured: "baselines measured",
  VerificationPassed: "verification passed",
  VerificationFailed: "verification failed",
  EnvironmentVerified: "verified",
  EnvironmentFailed: "failed",
  TargetUnlocked: "target unlocked",
  RollbackTaskOpened: "alert fired: rollback opened",
  AlertResolved: "alert resolved",
  BreakGlassRollback: "break-glass",
  RollbackStarted: "rollback started",
  RollbackHeld: "rollback held",
  RollbackTaskRefused: "rollback refused",
  RollbackCompleted: "rollback completed",
  RollbackValidated: "rollback validated",
  ReviewTaskOpened: "review opened",
  UnapprovedDeployment: "unapproved deployment",
};

/** The retrospective's timeline of the release's entries (all of them, the unvouched marked), in time order. */
export function retroTimeline(items: readonly ExportedEntry[]): RetroStep[] {
  return items.map(({ entry, verified }) => ({
    time: entry.time,
    environment: detail.text(entry, "environment") ?? "",
    step: STEPS[entry.action] ?? entry.action,
    actor: entry.actor,
    summary: summarise(entry),
    vouched: verified,
  }));
}
