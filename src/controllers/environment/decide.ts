import type { EnvironmentStatus } from "../../api/v1alpha1/environment.js";
import { findCondition, setCondition } from "../../runtime/conditions.js";
import type { EventSpec } from "../../runtime/events.js";
import type { EnvironmentOrder } from "./order.js";

/** The condition type an Environment reports: whether its definition places it in the pipeline. */
export const EnvironmentCondition = { Ready: "Ready" } as const;

/** What the decision reads of one Environment besides its place in the pipeline. */
export interface EnvironmentDecisionInput {
  metadata: { name: string; generation?: number | undefined };
  status?: EnvironmentStatus | undefined;
}

/** The complete desired status of an Environment and the events announcing what changed. */
export interface EnvironmentDecision {
  status: EnvironmentStatus;
  events: EventSpec[];
}

/**
 * Decides an Environment's status from its place in the pipeline (from `decideEnvironmentOrder` over all
 * environments): the Ready condition with the generation read, and `order` and `path` when it is ready (both
 * cleared when it is not, so no one acts on a stale order). A Warning event carries the reason whenever Ready
 * turns False or changes its reason while False.
 */
export function decideEnvironment(
  environment: EnvironmentDecisionInput,
  placement: EnvironmentOrder,
  now: Date,
): EnvironmentDecision {
  const observedGeneration = environment.metadata.generation;
  const previous = findCondition(environment.status?.conditions, EnvironmentCondition.Ready);
  const conditions = setCondition(
    environment.status?.conditions,
    { type: EnvironmentCondition.Ready, ...placement.ready, observedGeneration },
    now,
  );
  const status: EnvironmentStatus = {
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    conditions,
    ...(placement.order === undefined ? {} : { order: placement.order }),
    ...(placement.path === undefined ? {} : { path: placement.path }),
  };
  const { ready } = placement;
  const becameInvalid =
    ready.status === "False" && (previous?.status !== "False" || previous.reason !== ready.reason);
  const events: EventSpec[] = becameInvalid
    ? [{ type: "Warning", reason: ready.reason, message: ready.message }]
    : [];
  return { status, events };
}
