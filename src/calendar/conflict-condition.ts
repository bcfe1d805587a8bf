import type { ConditionUpdate } from "../runtime/conditions.js";
import type { ConflictParty, ConflictReason, ScheduleConflict } from "./conflicts.js";

/** The condition type the operator sets on every object that takes part in a schedule conflict. */
export const SCHEDULE_CONFLICT = "ScheduleConflict";

/** How many conflicts one condition message names before it counts the rest. */
const NAMED_PER_MESSAGE = 3;

/** The key of a party: kind, namespace and name. */
export function partyKey(p: ConflictParty): string {
  return `${p.kind}/${p.namespace}/${p.name}`;
}

/**
 * The ScheduleConflict condition each party should carry: True with the first conflict's reason (several reasons:
 * the first in reason order) and a message naming up to three others and the overlap. Objects not in the map carry
 * none (or False: the conflict went). Deterministic: the same conflicts in any order give the same conditions.
 */
export function conflictConditions(conflicts: readonly ScheduleConflict[]): Map<string, ConditionUpdate> {
  const byParty = new Map<string, { reason: ConflictReason; message: string }[]>();
  for (const conflict of conflicts) {
    conflict.parties.forEach((p, i) => {
      const key = partyKey(p);
      const entry = { reason: conflict.reason, message: conflict.messages[i] ?? "" };
      const list = byParty.get(key);
      if (list === undefined) byParty.set(key, [entry]);
      else list.push(entry);
    });
  }
  const out = new Map<string, ConditionUpdate>();
  for (const [key, list] of byParty) {
    list.sort(
      (a, b) =>
        REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason) ||
        (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
    );
    const named = list.slice(0, NAMED_PER_MESSAGE).map((e) => e.message);
    const rest = list.length - named.length;
    out.set(key, {
      type: SCHEDULE_CONFLICT,
      status: "True",
      reason: list[0]?.reason ?? "OverlappingChange",
      message:
        named.join(" ") + (rest > 0 ? ` And ${rest} more schedule conflict${rest === 1 ? "" : "s"}.` : ""),
    });
  }
  return out;
}

const REASON_ORDER: readonly ConflictReason[] = ["PlannedInFreeze", "OverlappingChange", "DueAfterWindow"];

/** The condition an object carries once its last conflict went away. */
export const NO_CONFLICT: ConditionUpdate = {
  type: SCHEDULE_CONFLICT,
  status: "False",
  reason: "NoConflict",
  message: "No other change, freeze or preparing task clashes with this schedule.",
};
