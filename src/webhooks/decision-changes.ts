import { jsonEqual } from "../runtime/deep-equal.js";

/** How an UPDATE changes an Approval's `spec.decisions` map, by key, each list sorted. */
export interface DecisionChanges {
  /** Keys present now and absent before: the decisions this request adds. */
  added: string[];
  /** Keys present before and now, whose entries differ. */
  changed: string[];
  /** Keys present before and absent now. */
  removed: string[];
}

/** Whether a request touches the decisions at all; updates that do not (labels, owner references) pass. */
export function touchesDecisions(changes: DecisionChanges): boolean {
  return changes.added.length + changes.changed.length + changes.removed.length > 0;
}

/**
 * Compares the decisions before and after an UPDATE. Entries are compared as JSON values, so a re-sent identical
 * entry (the same merge patch applied twice) is not a change.
 */
export function decisionChanges(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): DecisionChanges {
  const has = (map: Readonly<Record<string, unknown>>, key: string): boolean =>
    Object.hasOwn(map, key) && map[key] !== undefined;
  const afterKeys = Object.keys(after).filter((key) => has(after, key));
  const beforeKeys = Object.keys(before).filter((key) => has(before, key));
  return {
    added: afterKeys.filter((key) => !has(before, key)).sort(),
    changed: afterKeys.filter((key) => has(before, key) && !jsonEqual(before[key], after[key])).sort(),
    removed: beforeKeys.filter((key) => !has(after, key)).sort(),
  };
}
