import { bindingDifference, type GateBinding } from "../api/v1alpha1/binding.js";

/** The parts of a DeploymentTask that decide whether it counts for a gate. */
export interface CheckTaskEvidence {
  metadata: {
    name: string;
    ownerReferences?: readonly { kind: string; uid: string; controller?: boolean | undefined }[] | undefined;
  };
  spec: { binding?: GateBinding | undefined };
}

/** Whether a task counts for the gate, and when not, why (for a condition, a Warning event and the audit entry). */
export type CheckTaskCount =
  { counts: true } | { counts: false; reason: "CheckTaskNotBound"; message: string };

/**
 * Whether a check task counts for the gate that `expected` describes: only a task Stagegate opened for exactly this
 * release, environment, artifact and target. Two facts prove it: a `binding` equal to `expected` (only the
 * operator's identity may create a task with a binding, the task webhook refuses everyone else, and the CRD keeps
 * it immutable), and a controller owner reference to the release's UID. A task found by name or type that fails
 * either is reported, never counted.
 */
export function countsForGate(task: CheckTaskEvidence, expected: GateBinding): CheckTaskCount {
  const name = task.metadata.name;
  const difference = bindingDifference(expected, task.spec.binding);
  if (difference !== undefined) {
    return {
      counts: false,
      reason: "CheckTaskNotBound",
      message: `DeploymentTask ${name} does not count for this gate: ${difference}.`,
    };
  }
  const owned = (task.metadata.ownerReferences ?? []).some(
    (ref) => ref.kind === "Release" && ref.uid === expected.release.uid && ref.controller === true,
  );
  if (!owned) {
    return {
      counts: false,
      reason: "CheckTaskNotBound",
      message:
        `DeploymentTask ${name} does not count for this gate: it is not controlled by release ` +
        `${expected.release.name} (uid ${expected.release.uid}).`,
    };
  }
  return { counts: true };
}
