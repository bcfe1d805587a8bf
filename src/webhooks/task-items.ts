import { jsonEqual } from "../runtime/deep-equal.js";
import { decisionTime } from "./stamping.js";
import type { TaskItemView } from "./task-view.js";

/** One checklist item a request completes (sets its state or evidence), with the item as it was before. */
export interface ItemChange {
  name: string;
  /** The item before the request; undefined on CREATE and for an item the request adds. */
  before: TaskItemView | undefined;
  after: TaskItemView;
}

/** Who writes: the authenticated user name, and whether it is the operator's own identity. */
export interface TaskActor {
  username: string;
  operator: boolean;
}

const byName = (items: readonly TaskItemView[] | undefined): Map<string, TaskItemView> =>
  new Map((items ?? []).map((item) => [item.name, item]));

/** Whether `after` sets another state or other evidence than `before` (a missing item counts as Pending). */
function completes(before: TaskItemView | undefined, after: TaskItemView): boolean {
  return after.state !== (before?.state ?? "Pending") || !jsonEqual(after.evidence, before?.evidence);
}

/**
 * The items a request completes: those whose state or evidence differs from before (on CREATE, from Pending
 * without evidence). Who and when (`completedBy`, `completedAt`) are not part of the comparison: the server stamps
 * them, so a request that only retypes them completes nothing.
 */
export function completedItems(
  before: readonly TaskItemView[] | undefined,
  after: readonly TaskItemView[],
): ItemChange[] {
  const old = byName(before);
  return after
    .filter((item) => completes(old.get(item.name), item))
    .map((item) => ({ name: item.name, before: old.get(item.name), after: item }));
}

/** An item with its stamp fields set to `by` and `at`, each left out when undefined. */
function withStamp(item: TaskItemView, by: string | undefined, at: string | undefined): TaskItemView {
  const { completedBy: _by, completedAt: _at, ...rest } = item;
  return {
    ...rest,
    ...(by === undefined ? {} : { completedBy: by }),
    ...(at === undefined ? {} : { completedAt: at }),
  };
}

/**
 * The checklist as the server stamps it: an item a person completes gets `completedBy` (the authenticated user
 * name) and `completedAt` (the webhook's clock, whole seconds); an item the operator concludes keeps the name its
 * component signed with and gets the time (none when it cleared the name); every other item keeps the stamps it
 * had, whatever the request typed.
 * Undefined when nothing needs to change.
 */
export function stampedChecklist(
  before: readonly TaskItemView[] | undefined,
  after: readonly TaskItemView[],
  actor: TaskActor,
  now: Date,
): TaskItemView[] | undefined {
  const old = byName(before);
  const at = decisionTime(now);
  const stamped = after.map((item) => {
    const previous = old.get(item.name);
    if (!completes(previous, item)) return withStamp(item, previous?.completedBy, previous?.completedAt);
    if (!actor.operator) return withStamp(item, actor.username, at);
    // The operator's components sign what they conclude, and clear the signature when they reopen an item.
    return withStamp(item, item.completedBy, item.completedBy === undefined ? undefined : at);
  });
  return jsonEqual(stamped, after) ? undefined : stamped;
}
