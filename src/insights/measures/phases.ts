import type { PromotionRecord } from "./promotions.js";
import { secondsBetween } from "./stats.js";

/**
 * The parts of one promotion, in seconds: waiting at the gate (from ready to promoted: checks, approvals, a window,
 * a lock), of which waiting for the approval (change requested to approved), deploying (promoted to deployed, or to
 * the outcome when no Deployed entry came first) and verifying (deployed to verified). A part not on record is absent.
 */
export interface PromotionPhases {
  gate?: number;
  approval?: number;
  deploying?: number;
  verifying?: number;
}

/** The phase names in the order output lists them. */
export const PHASES = ["gate", "approval", "deploying", "verifying"] as const;

/** One phase's name. */
export type PhaseName = (typeof PHASES)[number];

/** The phases of a promotion as its record tells them. */
export function phasesOf(record: PromotionRecord): PromotionPhases {
  const phases: PromotionPhases = {};
  const set = (name: PhaseName, seconds: number | undefined) => {
    if (seconds !== undefined && seconds >= 0) phases[name] = seconds;
  };
  set("gate", secondsBetween(record.readyAt, record.promotedAt));
  set("approval", secondsBetween(record.changeRequestedAt, record.changeApprovedAt));
  // A delivery that is healthy at once is Verified without a Deployed entry: it deployed until it ended.
  set(
    "deploying",
    secondsBetween(record.promotedAt, record.deployedAt ?? record.verifiedAt ?? record.failedAt),
  );
  set("verifying", secondsBetween(record.deployedAt, record.verifiedAt));
  return phases;
}
