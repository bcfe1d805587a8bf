import type { TaskPhase, TaskType } from "../../api/v1alpha1/deployment-task.js";
import type { ReleaseEnvironmentState, ReleaseEnvironmentStatus } from "../../api/v1alpha1/release.js";
import { revisionMatches, type DeliveryObservation } from "./delivery.js";

/** A task of the release in one environment, as the cache shows it. */
export interface ReleaseTaskView {
  name: string;
  type: TaskType;
  phase: TaskPhase | undefined;
  /** When the task was created (RFC 3339), to tell a rollback of this deployment from one of an earlier one. */
  createdAt?: string | undefined;
  /** The name of the alert that opened the task, for Rollback tasks opened by an alert. */
  alert?: string | undefined;
  /**
   * Whether the task counts for the gate: Stagegate opened it for exactly this release, environment, artifact and
   * target (see `countsForGate`).
   */
  countsForGate?: boolean | undefined;
  /**
   * For Rollback tasks: whether the operator opened it (its seal verifies) or the rollback owner created it. Only
   * such a task holds the environment; a hand-made one is refused by the rollback controller.
   */
  opened?: boolean | undefined;
}

/** Where a promoted environment stands, and why. */
export interface DeliveryState {
  state: ReleaseEnvironmentState;
  reasons: string[];
}

/** What following a promotion needs: the stored entry, the revision promoted, what the adapter sees, the tasks. */
export interface FollowInput {
  stored: ReleaseEnvironmentStatus;
  revision: string;
  target: string;
  delivery: DeliveryObservation | undefined;
  tasks: readonly ReleaseTaskView[];
  /** Whether the Environment lists PostDeployVerification among its required checks. */
  verificationRequired: boolean;
}

/**
 * Follows an environment this release promoted `revision` to (in this pass or before; a Deploying entry has just
 * been promoted). A failure reported for another revision while Deploying is the previous delivery's. Verified is final for that revision (a later
 * release may take the target over); Failed when the adapter reports a failure, or when a Deployed target drifts
 * to another revision or disappears while this release still holds it; Deployed once the adapter reports the
 * revision, Verified once every PostDeployVerification task succeeded (at once when there is none and none is
 * required). No observation means no news: the stored state stands.
 */
export function followDelivery(input: FollowInput): DeliveryState {
  const { stored, revision, target, delivery } = input;
  const rollback = rollbackOf(input);
  if (rollback !== undefined) {
    const why = rollback.alert === undefined ? "" : ` after alert ${rollback.alert} fired`;
    return {
      state: "Failed",
      reasons: [`Rollback task ${rollback.name} was opened${why}; the release is held here.`],
    };
  }
  if (stored.state === "Verified") return { state: "Verified", reasons: [] };
  const arrived = delivery?.state === "Deployed" && revisionMatches(delivery.revision, revision);
  if (
    delivery?.state === "Failed" &&
    (stored.state !== "Deploying" || !supersededFailure(delivery, revision))
  ) {
    return {
      state: "Failed",
      reasons: [`Delivery through ${target} failed: ${sentenceOf(delivery.message)}`],
    };
  }
  if (arrived) return verification(input);
  if (stored.state === "Deploying") {
    return {
      state: "Deploying",
      reasons: [
        delivery === undefined
          ? `Promoting revision ${revision} through ${target}.`
          : `Waiting for ${target} to deploy revision ${revision}: ${sentenceOf(delivery.message)}`,
      ],
    };
  }
  if (delivery === undefined || stored.state === "Failed") {
    return { state: stored.state, reasons: [...(stored.reasons ?? [])] };
  }
  // Deployed: a redeploy of the same revision is no news; anything else is drift while this release holds it.
  if (
    delivery.state === "Deploying" &&
    (delivery.revision === undefined || revisionMatches(delivery.revision, revision))
  ) {
    return { state: stored.state, reasons: [...(stored.reasons ?? [])] };
  }
  const running = delivery.revision === undefined ? "" : ` at revision ${delivery.revision}`;
  return {
    state: "Failed",
    reasons: [
      `${target} is ${delivery.state}${running} instead of running revision ${revision}: ${sentenceOf(delivery.message)}`,
    ],
  };
}

/**
 * A Rollback task of this environment opened since this deployment started (not one of an earlier revision), by
 * the operator or the rollback owner: a hand-made task never holds the environment.
 */
function rollbackOf(input: FollowInput): ReleaseTaskView | undefined {
  const started = input.stored.deployStartedAt;
  if (started === undefined || input.stored.revision !== input.revision) return undefined;
  // creationTimestamp has whole seconds: a task created in the second the deployment started counts.
  const since = Math.floor(Date.parse(started) / 1000) * 1000;
  return input.tasks.find(
    (t) =>
      t.type === "Rollback" &&
      t.opened === true &&
      t.createdAt !== undefined &&
      Date.parse(t.createdAt) >= since,
  );
}

function verification(input: FollowInput): DeliveryState {
  const checks = input.tasks.filter((t) => t.type === "PostDeployVerification");
  const failed = checks.filter((t) => t.phase === "Failed").map((t) => t.name);
  if (failed.length > 0) {
    return { state: "Failed", reasons: [`Post-deploy verification ${failed.join(", ")} failed.`] };
  }
  const open = checks.filter((t) => t.phase !== "Succeeded").map((t) => t.name);
  if (checks.length === 0 && input.verificationRequired) {
    return {
      state: "Deployed",
      reasons: ["Waiting for the PostDeployVerification task to be opened and to succeed."],
    };
  }
  if (open.length > 0) {
    return {
      state: "Deployed",
      reasons: [`Waiting for post-deploy verification ${open.join(", ")} to succeed.`],
    };
  }
  return { state: "Verified", reasons: [] };
}

/** A failure the adapter reports for another revision than the one being deployed: the sync has not started. */
function supersededFailure(delivery: DeliveryObservation, revision: string): boolean {
  return delivery.revision !== undefined && !revisionMatches(delivery.revision, revision);
}

/** An adapter's message as the end of a sentence: trimmed, with a final period. */
function sentenceOf(message: string): string {
  const text = message.trim();
  if (text === "") return "no details were given.";
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
