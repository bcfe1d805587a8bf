import { blocked, passed, type GateResult } from "./gate.js";

/** A release freeze as the policy reads it. */
export interface FreezeSpec {
  name: string;
  start: string;
  end: string;
  reason?: string | undefined;
}

/** The freezes in force at `now` (start inclusive, end exclusive), earliest end first. */
export function freezesInForce(freezes: readonly FreezeSpec[], now: Date): FreezeSpec[] {
  const t = now.getTime();
  return freezes
    .filter((f) => Date.parse(f.start) <= t && t < Date.parse(f.end))
    .sort((a, b) => Date.parse(a.end) - Date.parse(b.end));
}

/** When the environment thaws: the latest end among the freezes in force now (they may overlap or chain). */
export function thawsAt(freezes: readonly FreezeSpec[], now: Date): Date | undefined {
  let until = now.getTime();
  let moved = true;
  // Freezes that start before the current one ends extend it: follow the chain to the first free instant.
  while (moved) {
    moved = false;
    for (const f of freezes) {
      const start = Date.parse(f.start);
      const end = Date.parse(f.end);
      if (start <= until && until < end) {
        until = end;
        moved = true;
      }
    }
  }
  return until === now.getTime() ? undefined : new Date(until);
}

/** The freeze gate: passes outside every freeze, and names each freeze in force otherwise. */
export function outsideFreezes(freezes: readonly FreezeSpec[], now: Date): GateResult {
  const active = freezesInForce(freezes, now);
  if (active.length === 0) return passed("NotFrozen", "No release freeze is in force.");
  const described = active.map(
    (f) => `${f.name} until ${f.end}${f.reason === undefined || f.reason === "" ? "" : ` (${f.reason})`}`,
  );
  return blocked("Frozen", `The environment is frozen: ${described.join("; ")}.`);
}
