import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import { formatTimestamp, parseDuration, parseTimestamp } from "../runtime/duration.js";
import type { ChangeRequestView } from "./admitted-objects.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

/** How long an emergency change may stay open when its Environment does not say (`gate.emergency.maxDuration`). */
export const DEFAULT_EMERGENCY_MAX_DURATION = "24h";

/** What the webhook found when it looked up the ChangeRequest's Environment (a side effect done by the caller). */
export type EnvironmentLookup =
  { state: "found"; spec: EnvironmentSpec } | { state: "missing" } | { state: "unreadable"; error: string };

/** Everything the emergency rule judges. */
export interface EmergencyInput {
  changeRequest: ChangeRequestView;
  environment: EnvironmentLookup;
  now: Date;
}

/**
 * Whether a write has to pass the emergency rule: every CREATE of an Emergency change, and an UPDATE only when it
 * makes a change Emergency or moves its emergency details. An unrelated later update (a label, a finalizer) of a
 * change whose expiry has since passed is not refused for that.
 */
export function needsEmergencyCheck(changeRequest: ChangeRequestView, previous?: ChangeRequestView): boolean {
  if (changeRequest.spec.type !== "Emergency") return false;
  if (previous === undefined) return true;
  return (
    previous.spec.type !== "Emergency" ||
    previous.spec.environment !== changeRequest.spec.environment ||
    !jsonEqual(previous.spec.emergency, changeRequest.spec.emergency)
  );
}

/**
 * An Emergency change expires in the future and no later than its Environment's `gate.emergency.maxDuration`
 * (default 24h) from now. An unknown or unreadable Environment is a denial: the limit cannot be checked.
 */
export function emergencyExpiry({ changeRequest, environment, now }: EmergencyInput): Verdict {
  const envName = changeRequest.spec.environment;
  const expiresAt = changeRequest.spec.emergency?.expiresAt;
  if (expiresAt === undefined) {
    return deny(
      "EmergencyExpiry",
      "an Emergency change needs spec.emergency.expiresAt; say when the emergency approval lapses.",
    );
  }
  const expiry = parseTimestamp(expiresAt);
  if (expiry === undefined) {
    return deny("EmergencyExpiry", `spec.emergency.expiresAt "${expiresAt}" is not an RFC 3339 time.`);
  }
  if (environment.state === "missing") {
    return deny(
      "EmergencyExpiry",
      `Environment ${envName} does not exist, so the emergency's expiresAt cannot be checked against its ` +
        "maxDuration; fix spec.environment or create the Environment first.",
    );
  }
  if (environment.state === "unreadable") {
    return deny(
      "EmergencyExpiry",
      `Environment ${envName} could not be read (${environment.error}), so the emergency's expiresAt cannot ` +
        "be checked; try again.",
    );
  }
  const maxDuration = environment.spec.gate.emergency?.maxDuration ?? DEFAULT_EMERGENCY_MAX_DURATION;
  const latest = new Date(now.getTime() + parseDuration(maxDuration));
  if (expiry.getTime() <= now.getTime()) {
    return deny(
      "EmergencyExpiry",
      `spec.emergency.expiresAt ${expiresAt} is not in the future (it is now ${formatTimestamp(now)}); set ` +
        `an expiry no later than ${formatTimestamp(latest)}.`,
    );
  }
  if (expiry.getTime() > latest.getTime()) {
    return deny(
      "EmergencyExpiry",
      `spec.emergency.expiresAt ${expiresAt} is more than ${maxDuration} (the emergency maxDuration of ` +
        `Environment ${envName}) from now; set it no later than ${formatTimestamp(latest)}.`,
    );
  }
  return ALLOWED;
}
