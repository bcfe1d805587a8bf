/**
 * The categories of what a blocked gate waits on (ADR 0053), a fixed small set, in the order a wait is counted
 * under when several hold at once. Their meaning and the reason codes of each are in `src/policy/gate-categories.ts`.
 */
export const GATE_CATEGORIES = [
  "refused",
  "previous",
  "checks",
  "approvals",
  "window",
  "freeze",
  "lock",
] as const;

/** One category of gate wait. */
export type GateCategory = (typeof GATE_CATEGORIES)[number];
