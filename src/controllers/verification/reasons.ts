/**
 * The words post-deployment verification writes: its field manager, who signs what it writes, and the reasons
 * of its events and audit entries, in one place so docs and tests use the same ones.
 */
export { MEASURED_ITEM } from "../release/checklists.js";

/**
 * The field manager of the verification's checklist writes. Not `stagegate-operator`: that manager created the
 * checklist, and an apply under it naming only the measured item would remove every other field it owns.
 */
export const VERIFICATION_FIELD_MANAGER = "stagegate-verification";

/** Who signs the log entries, the checklist item and the audit entries the verification writes. */
export const VERIFICATION_ACTOR = "stagegate-operator";

/** The reasons of the verification's events and the actions of its audit entries. */
export const VerificationReason = {
  /** The baselines were measured (audited once per task, with every baseline value). */
  Measured: "VerificationMeasured",
  /** Every measurement of every check through the window passed. */
  Passed: "VerificationPassed",
  /** A measurement failed its threshold or could not be taken. */
  Failed: "VerificationFailed",
} as const;

/** The most measurements of one check through a window; a shorter interval is stretched to respect it. */
export const MAX_MEASUREMENTS = 60;

/** The shortest interval between two measurements; a shorter one is raised to it. */
export const MIN_INTERVAL_MS = 1_000;
