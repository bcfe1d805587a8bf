import type { DeploymentTaskSpec, DeploymentTaskStatus } from "../../api/v1alpha1/deployment-task.js";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import type { Owner } from "../../api/v1alpha1/meta.js";
import type { ReleaseSpec, ReleaseStatus, RollbackPolicy } from "../../api/v1alpha1/release.js";
import type { VerificationPolicy } from "../../api/v1alpha1/verification.js";
import { parseDuration, parseTimestamp } from "../../runtime/duration.js";
import { deriveTaskPhase } from "../deployment-task/phase.js";
import { MEASURED_ITEM } from "./reasons.js";
import { verificationSchedule, type VerificationSchedule } from "./schedule.js";

type RollbackMode = RollbackPolicy["mode"];

/** The task as the verification reads it. */
export interface VerificationTaskView {
  spec: DeploymentTaskSpec;
  status?: DeploymentTaskStatus | undefined;
}

/** What a task is verified against: its Environment and its Release, when they exist and read. */
export interface VerificationPlanInput {
  task: VerificationTaskView;
  environment?: { spec: EnvironmentSpec } | undefined;
  release?: { spec: ReleaseSpec; status?: ReleaseStatus | undefined } | undefined;
}

/** Why a task is left alone for good (until something it reads changes). */
export type VerificationSkipReason =
  | "NotPostDeployVerification"
  | "Cancelled"
  | "NoRelease"
  | "Finished"
  | "NoMeasuredItem"
  | "ItemConcluded"
  | "EnvironmentNotFound"
  | "NoVerificationPolicy"
  | "ReleaseNotFound"
  | "ReleaseMovedOn"
  | "InvalidPolicy";

/** Why a task is not due yet; the release (or the task's dependencies) moving wakes it. */
export type VerificationWaitReason = "Blocked" | "NotDeployed";

/**
 * Verify the task now against `policy` on `schedule`; wait for the deployment; or leave the task alone. While
 * the environment is Failed (`finishOnly`), only a failure the log already records is concluded: the rollback
 * this verification opened fails the environment before the checklist item is written, and a crash between the
 * two must not strand the task.
 */
export type VerificationPlan =
  | {
      kind: "Verify";
      release: string;
      environment: string;
      /** The revision deployed, for the name of the Rollback task. */
      revision: string;
      policy: VerificationPolicy;
      schedule: VerificationSchedule;
      finishOnly: boolean;
      /** What the Rollback task of a failure needs from the release. */
      rollback: { owner: Owner; mode: RollbackMode; version: string };
    }
  | { kind: "Wait"; reason: VerificationWaitReason; message: string }
  | { kind: "Skip"; reason: VerificationSkipReason; message: string };

const skip = (reason: VerificationSkipReason, message: string): VerificationPlan => ({
  kind: "Skip",
  reason,
  message,
});

/**
 * Decides whether a task is one the verification measures now; pure. Only an open PostDeployVerification task
 * of a release and environment qualifies, whose Environment declares `verification`, whose `metrics-healthy`
 * item is still Pending (Done or Failed means concluded, by Stagegate or by a person), and whose Release is
 * Deployed in that environment (the status entry has `deployedAt`). A release that went on (Verified, or Failed
 * for another reason, or that no longer lists the environment) ends the verification: nothing is left to measure.
 */
export function planVerification(input: VerificationPlanInput): VerificationPlan {
  const { spec, status } = input.task;
  if (spec.type !== "PostDeployVerification") {
    return skip("NotPostDeployVerification", "The task is not a PostDeployVerification check.");
  }
  if (spec.cancelled) return skip("Cancelled", "The task is cancelled.");
  const release = spec.releaseRef?.name;
  const environment = spec.environment;
  if (release === undefined || environment === undefined) {
    return skip("NoRelease", "The task names no release and environment: a person verifies it.");
  }
  const phase = deriveTaskPhase(status?.conditions);
  if (phase === "Succeeded" || phase === "Failed" || phase === "Cancelled") {
    return skip("Finished", `The task is ${phase}.`);
  }
  const item = spec.checklist.find((i) => i.name === MEASURED_ITEM);
  if (item === undefined) return skip("NoMeasuredItem", `The checklist has no ${MEASURED_ITEM} item.`);
  if (item.state !== "Pending") {
    return skip("ItemConcluded", `The ${MEASURED_ITEM} item is already ${item.state}.`);
  }
  if (input.environment === undefined) {
    return skip("EnvironmentNotFound", `Environment ${environment} does not exist.`);
  }
  const policy = input.environment.spec.verification;
  if (policy === undefined) {
    return skip(
      "NoVerificationPolicy",
      `Environment ${environment} declares no verification: a person verifies.`,
    );
  }
  if (input.release === undefined) return skip("ReleaseNotFound", `Release ${release} does not exist.`);
  if (phase === "Blocked")
    return { kind: "Wait", reason: "Blocked", message: "The task waits for its dependencies." };
  const entry = input.release.status?.environments?.find((e) => e.name === environment);
  if (!input.release.spec.pipeline.includes(environment) || entry === undefined) {
    return skip("ReleaseMovedOn", `Release ${release} no longer goes to ${environment}.`);
  }
  const deployedAt = entry.deployedAt === undefined ? undefined : parseTimestamp(entry.deployedAt);
  const deployed = entry.state === "Deployed" || entry.state === "Failed";
  if (!deployed || deployedAt === undefined) {
    if (entry.state === "Verified" || entry.state === "Failed") {
      return skip("ReleaseMovedOn", `Release ${release} is already ${entry.state} in ${environment}.`);
    }
    return {
      kind: "Wait",
      reason: "NotDeployed",
      message: `Release ${release} is ${entry.state} in ${environment}, not yet Deployed.`,
    };
  }
  let schedule: VerificationSchedule;
  try {
    schedule = verificationSchedule(
      entry.deployStartedAt === undefined ? undefined : parseTimestamp(entry.deployStartedAt),
      deployedAt,
      parseDuration(policy.window),
      parseDuration(policy.interval),
    );
  } catch (err) {
    return skip(
      "InvalidPolicy",
      `Environment ${environment}'s verification does not read: ${(err as Error).message}`,
    );
  }
  return {
    kind: "Verify",
    release,
    environment,
    revision: entry.revision ?? input.release.spec.source.revision,
    policy,
    schedule,
    finishOnly: entry.state === "Failed",
    rollback: {
      owner: input.release.spec.owners.rollbackOwner,
      mode: input.release.spec.rollbackPolicy.mode,
      version: input.release.spec.version,
    },
  };
}
