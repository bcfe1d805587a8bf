import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { EventRecorder } from "../../runtime/events.js";
import type { Logger } from "../../runtime/logging.js";
import type { AuditRecorder } from "../../audit/recorder.js";
import type { RollbackSeal } from "../rollback/seal.js";
import { verificationRollbackTaskName } from "../release/names.js";
import { resources } from "../resources.js";
import { concludeItem, openRollbackTask } from "./apply.js";
import type { CheckSummary, VerificationFailure } from "./decide.js";
import type { VerificationPlan } from "./eligibility.js";
import {
  failedAudit,
  failedEvent,
  failedItem,
  failedNotes,
  passedAudit,
  passedEvent,
  passedItem,
  type VerificationSubject,
} from "./evidence.js";

/** What concluding a verification writes with, and to whom it reports. */
export interface ConcludeContext {
  client: KubeClient;
  audit: AuditRecorder;
  events: EventRecorder;
  log: Logger;
  /** Seals the Rollback task a failed verification opens (origin Verification). */
  seal: RollbackSeal;
  opts: CallOptions;
}

/**
 * Audits VerificationPassed, marks the measured item Done with the summary as evidence, and announces it. The
 * entry precedes the write that shows it, under the task's transition: a crash or a conflict in between leaves the
 * item Pending, the next pass concludes again from the log, and the store keeps one entry (ADR 0031).
 */
export async function concludePassed(
  ctx: ConcludeContext,
  task: KubeObject,
  subject: VerificationSubject,
  summaries: readonly CheckSummary[],
): Promise<void> {
  await ctx.audit.record(passedAudit(subject, summaries));
  const written = await concludeItem(ctx.client, task, passedItem(subject, summaries), ctx.opts);
  await ctx.events.record(resources.deploymentTask, written, passedEvent(subject, summaries), ctx.opts);
  ctx.log.info({ environment: subject.environment }, "Verified the deployment");
}

/**
 * Opens the Rollback task (in every rollbackPolicy mode: the rollback controller decides what to do with it),
 * then audits VerificationFailed (under the task's transition), marks the measured item Failed and warns. The
 * Rollback task comes first: it fails the environment, after which only a failure already in the log is
 * concluded, so a crash between the writes is finished by the next pass, which records the same transition (the
 * store keeps one entry) and never strands the item.
 */
export async function concludeFailed(
  ctx: ConcludeContext,
  task: KubeObject,
  subject: VerificationSubject,
  failure: VerificationFailure,
  plan: Extract<VerificationPlan, { kind: "Verify" }>,
  releaseUid: string | undefined,
): Promise<void> {
  const opened = await openRollbackTask(
    ctx.client,
    {
      name: verificationRollbackTaskName(plan.release, plan.environment, plan.revision),
      namespace: task.metadata.namespace ?? "",
      release: { name: plan.release, uid: releaseUid },
      environment: plan.environment,
      rollbackOwner: plan.rollback.owner,
      policy: plan.rollback.mode,
      version: plan.rollback.version,
      description:
        `${failedNotes(subject, failure)} Opened by Stagegate for revision ${plan.revision}; the rollback ` +
        `controller acts on it according to the release's rollbackPolicy (mode ${plan.rollback.mode}).`,
    },
    ctx.seal,
    ctx.opts,
  );
  const rollbackTask = opened.name;
  if (opened.created) ctx.log.info({ rollbackTask }, "Opened a Rollback task after a failed verification");
  await ctx.audit.record(failedAudit(subject, failure, rollbackTask));
  const written = await concludeItem(ctx.client, task, failedItem(subject, failure), ctx.opts);
  await ctx.events.record(
    resources.deploymentTask,
    written,
    failedEvent(subject, failure, rollbackTask),
    ctx.opts,
  );
  ctx.log.info({ environment: subject.environment, check: failure.check }, "Failed the verification");
}
