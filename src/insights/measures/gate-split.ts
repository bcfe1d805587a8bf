import { GATE_CATEGORIES, primaryCategory } from "../../policy/gate-categories.js";
import type { PromotionRecord } from "./promotions.js";

/**
 * The parts a gate wait is split into: each category of ADR 0053, and `unexplained` for the wait no record explains
 * (before the first recorded change, after the gate opened until the promotion, or before these entries existed).
 */
export const GATE_PARTS = [...GATE_CATEGORIES, "unexplained"] as const;

/** One part of a gate wait. */
export type GatePart = (typeof GATE_PARTS)[number];

/**
 * A promotion's gate wait (from ready to promoted) split by what the gate waited on, in seconds, from the recorded
 * `GateWaitChanged` entries only: each change's categories hold from its time to the next change (or the promotion),
 * counted under their first category (`primaryCategory`); the rest is `unexplained`, never guessed from live
 * objects. Parts add up to the gate wait; a part of zero is left out. Undefined when the wait is not on record.
 */
export function gateSplit(record: PromotionRecord): Partial<Record<GatePart, number>> | undefined {
  const start = Date.parse(record.readyAt);
  const end = Date.parse(record.promotedAt);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return undefined;
  const split: Partial<Record<GatePart, number>> = {};
  const add = (part: GatePart, ms: number): void => {
    if (ms > 0) split[part] = (split[part] ?? 0) + ms / 1000;
  };
  let cursor = start;
  let holding: GatePart = "unexplained";
  for (const change of record.gateWaits) {
    const at = Math.min(Math.max(Date.parse(change.at), start), end);
    if (!Number.isFinite(at)) continue;
    add(holding, at - cursor);
    cursor = at;
    holding = primaryCategory(change.categories) ?? "unexplained";
  }
  add(holding, end - cursor);
  return split;
}
