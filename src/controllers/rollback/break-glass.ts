import type { Artifact, ChangeRequestSpec } from "../../api/v1alpha1/change-request.js";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { freezesInForce, type FreezeSpec } from "../../policy/freeze.js";
import { formatTimestamp, parseDuration } from "../../runtime/duration.js";
import { targetObjectName } from "../release/delivery.js";
import { breakGlassChangeName } from "../release/names.js";
import { DEFAULT_EMERGENCY_MAX_DURATION } from "../../webhooks/change-request-rules.js";
import { describeTarget } from "../drift-check/evidence.js";

/** How much earlier than the Environment's maximum the emergency expires, so clock skew cannot push it past. */
const EXPIRY_MARGIN_MS = 60_000;

/** The emergency ChangeRequest a break-glass rollback opens for review after the fact. */
export interface BreakGlassChange {
  name: string;
  spec: Pick<
    ChangeRequestSpec,
    "releaseRef" | "environment" | "type" | "justification" | "plannedWindow" | "artifacts" | "emergency"
  >;
  /** The freezes the rollback passes, for the audit entry. */
  freezes: string[];
}

/** What the emergency change is built from. */
export interface BreakGlassInput {
  task: string;
  release: string;
  environment: string;
  environmentSpec: EnvironmentSpec | undefined;
  target: ReleaseTarget;
  from: string;
  to: string;
  cause: string;
}

/** The freezes in force on the Environment now; none when the Environment is unknown. */
export function activeFreezes(spec: EnvironmentSpec | undefined, now: Date): FreezeSpec[] {
  return spec === undefined ? [] : freezesInForce(spec.gate.freezes, now).map((f) => f.spec);
}

/**
 * The emergency change of a rollback that passes a freeze; pure. It expires within the Environment's
 * `gate.emergency.maxDuration` (default 24h, a minute short of it so a skewed clock stays inside), as the
 * change-control webhook demands, and its planned window is the rollback itself: from now until it expires.
 */
export function breakGlassChange(
  input: BreakGlassInput,
  freezes: readonly FreezeSpec[],
  now: Date,
): BreakGlassChange {
  const max = parseDuration(
    input.environmentSpec?.gate.emergency?.maxDuration ?? DEFAULT_EMERGENCY_MAX_DURATION,
  );
  const lifetime = max > 2 * EXPIRY_MARGIN_MS ? max - EXPIRY_MARGIN_MS : Math.max(1_000, Math.floor(max / 2));
  const expiresAt = formatTimestamp(new Date(now.getTime() + lifetime));
  const names = freezes.map((f) => f.name);
  const object = describeTarget(input.target);
  const artifact: Artifact = { name: targetObjectName(input.target), revision: input.to };
  return {
    name: breakGlassChangeName(input.task),
    freezes: names,
    spec: {
      releaseRef: { name: input.release },
      environment: input.environment,
      type: "Emergency",
      justification:
        `Rollback task ${input.task} rolled ${object} back from revision ${input.from} to revision ` +
        `${input.to} after ${input.cause}, during the release freeze ${names.join(", ")}. Stagegate opened this ` +
        "change for review after the fact.",
      plannedWindow: { start: formatTimestamp(now), end: expiresAt },
      artifacts: [artifact],
      emergency: {
        reason:
          `Break-glass rollback of ${input.environment} after ${input.cause}: the release freeze ` +
          `${names.join(", ")} does not hold back a rollback.`,
        expiresAt,
      },
    },
  };
}
