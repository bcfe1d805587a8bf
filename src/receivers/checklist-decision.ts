import type { ChecklistItem, Evidence } from "../api/v1alpha1/deployment-task.js";
import { jsonEqual } from "../runtime/deep-equal.js";

/** The state an event asks one checklist item to be in, with its evidence. */
export interface ItemUpdate {
  name: string;
  state: "Pending" | "Done" | "Failed";
  evidence: Evidence;
  /** Who did the work, for Done and Failed: `pipeline:<source>`. */
  completedBy?: string;
}

/** The fields of one checklist item the pipeline-events field manager applies. */
export type AppliedItem = Pick<ChecklistItem, "name"> &
  Partial<Pick<ChecklistItem, "state" | "evidence" | "completedBy">>;

/** What became of one requested item. */
export type ItemOutcome =
  | { name: string; change: "Updated" | "Unchanged"; state: string }
  | { name: string; change: "Kept"; state: string; reason: string }
  | { name: string; change: "Missing"; reason: string };

/** The decision for one task: per item what happens, and the apply to send (undefined: nothing changes). */
export interface ChecklistDecision {
  items: ItemOutcome[];
  apply: AppliedItem[] | undefined;
}

type CurrentItem = Pick<ChecklistItem, "name" | "state" | "evidence" | "completedBy">;

const DECIDED = new Set(["Done", "Failed", "Skipped"]);

function matches(current: CurrentItem, update: ItemUpdate): boolean {
  return (
    current.state === update.state &&
    jsonEqual(current.evidence ?? {}, update.evidence) &&
    current.completedBy === update.completedBy
  );
}

function outcomeOf(current: CurrentItem | undefined, update: ItemUpdate): ItemOutcome {
  if (current === undefined) {
    return {
      name: update.name,
      change: "Missing",
      reason: `the task has no checklist item ${update.name}; it was removed from spec.checklist`,
    };
  }
  if (matches(current, update)) return { name: update.name, change: "Unchanged", state: current.state };
  if (DECIDED.has(current.state)) {
    const by = current.completedBy === undefined ? "" : ` by ${current.completedBy}`;
    return {
      name: update.name,
      change: "Kept",
      state: current.state,
      reason:
        `${update.name} is already ${current.state}${by}; an event never overwrites a recorded decision ` +
        "(set it back to Pending to let the pipeline decide)",
    };
  }
  return { name: update.name, change: "Updated", state: update.state };
}

/** Restates what an item holds now, for an item this manager owns fields of and does not change. */
function restated(item: CurrentItem): AppliedItem {
  return {
    name: item.name,
    state: item.state,
    ...(item.evidence === undefined ? {} : { evidence: item.evidence }),
    ...(item.completedBy === undefined ? {} : { completedBy: item.completedBy }),
  };
}

/**
 * Decides what an event does to a task's checklist: an item already in the asked state with the same evidence is
 * unchanged (so a redelivered event changes nothing), an item a person or an earlier event already decided
 * (Done, Failed, Skipped) is kept, a Pending item is updated. The apply restates every other item the manager
 * owns, because server-side apply would otherwise drop the fields it left out, and lists items in the
 * checklist's order, because server-side apply would otherwise reorder them.
 */
export function decideChecklist(
  checklist: readonly CurrentItem[],
  owned: readonly string[],
  updates: readonly ItemUpdate[],
): ChecklistDecision {
  const byName = new Map(checklist.map((item) => [item.name, item]));
  const items = updates.map((update) => outcomeOf(byName.get(update.name), update));
  const updated = updates.filter((_, i) => items[i]?.change === "Updated");
  if (updated.length === 0) return { items, apply: undefined };
  const changes = new Map(updated.map((u) => [u.name, u]));
  // In the checklist's own order: server-side apply orders a list-map by the applied items it merges.
  const apply = checklist.flatMap((item): AppliedItem[] => {
    const update = changes.get(item.name);
    if (update !== undefined) {
      return [
        {
          name: update.name,
          state: update.state,
          evidence: update.evidence,
          ...(update.completedBy === undefined ? {} : { completedBy: update.completedBy }),
        },
      ];
    }
    return owned.includes(item.name) ? [restated(item)] : [];
  });
  return { items, apply };
}
