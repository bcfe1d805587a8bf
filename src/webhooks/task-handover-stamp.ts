import { HANDOVER_HISTORY } from "../api/v1alpha1/task-handover.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import type { JsonPatchOperation } from "./admission-review.js";
import { decisionTime, jsonPointer } from "./stamping.js";
import type { TaskAcknowledgementView, TaskHandoverView, TaskView } from "./task-view.js";

/** How a request changes a task's hand-over history. */
export type HandoverChange =
  | { kind: "none" }
  /** It appends `added` after the entries it keeps, dropping `dropped` of the oldest to stay within the bound. */
  | { kind: "appended"; added: TaskHandoverView[]; dropped: number }
  /** It changes, removes or reorders entries it had: history is never rewritten. */
  | { kind: "rewritten" };

/**
 * How `after` changes the hand-overs `before` had. `trimmed` says whether the list is already cut to the bound (as
 * the validating webhook sees it after the mutating webhook) or not yet (as the mutating webhook sees the request):
 * a trimmed list may drop exactly as many of the oldest entries as the bound requires, and no more.
 */
export function handoverChange(
  before: readonly TaskHandoverView[],
  after: readonly TaskHandoverView[],
  trimmed: boolean,
): HandoverChange {
  if (jsonEqual(before, after)) return { kind: "none" };
  for (let dropped = 0; dropped <= (trimmed ? before.length : 0); dropped++) {
    const kept = before.length - dropped;
    if (after.length <= kept || !jsonEqual(after.slice(0, kept), before.slice(dropped))) continue;
    const added = after.slice(kept);
    const required = trimmed ? Math.max(0, before.length + added.length - HANDOVER_HISTORY) : 0;
    if (dropped === required) return { kind: "appended", added, dropped };
  }
  return { kind: "rewritten" };
}

/** Who writes and when, as the mutating webhook stamps it. */
export interface Stamper {
  username: string;
  now: Date;
}

/**
 * The hand-over history as the server stamps it: each entry a request appends gets `by` (the authenticated user name)
 * and `at` (the webhook's clock), whatever was typed, and the oldest entries beyond {@link HANDOVER_HISTORY} drop
 * off. A request that rewrites entries is left as it is, for the validating webhook to refuse. Undefined when the
 * request appends nothing.
 */
function stampedHandovers(before: TaskView | undefined, after: TaskView, who: Stamper) {
  const change = handoverChange(before?.spec.handovers ?? [], after.spec.handovers, false);
  if (change.kind !== "appended") return undefined;
  const at = decisionTime(who.now);
  const kept = after.spec.handovers.slice(0, after.spec.handovers.length - change.added.length);
  const added = change.added.map((entry) => ({ ...entry, by: who.username, at }));
  return [...kept, ...added].slice(-HANDOVER_HISTORY);
}

/**
 * The acknowledgement as the server stamps it: a new one (none before) names the authenticated user and the webhook's
 * clock, whatever was typed; one that repeats an acknowledgement without stamps gets back the stamps it had; a
 * change or removal of a stamped one is left for the validating webhook to refuse.
 */
function stampedAcknowledgement(
  before: TaskAcknowledgementView | undefined,
  after: TaskAcknowledgementView | undefined,
  who: Stamper,
): TaskAcknowledgementView | undefined {
  if (after === undefined) return undefined;
  if (before === undefined) return { ...after, by: who.username, at: decisionTime(who.now) };
  return after.by === undefined && after.at === undefined ? before : after;
}

/**
 * The JSON patch that stamps a request's acknowledgement and hand-over (ADR 0049): a hand-over clears the
 * acknowledgement (the new owner has not acknowledged yet). Empty when nothing needs to change.
 */
export function handoverStampPatch(
  before: TaskView | undefined,
  after: TaskView,
  who: Stamper,
): JsonPatchOperation[] {
  const handovers = stampedHandovers(before, after, who);
  const acknowledgement =
    handovers === undefined
      ? stampedAcknowledgement(before?.spec.acknowledgement, after.spec.acknowledgement, who)
      : undefined;
  const patch: JsonPatchOperation[] = [];
  if (handovers !== undefined) {
    patch.push({ op: "add", path: jsonPointer("spec", "handovers"), value: handovers });
  }
  if (acknowledgement === undefined) {
    if (after.spec.acknowledgement !== undefined) {
      patch.push({ op: "remove", path: jsonPointer("spec", "acknowledgement") });
    }
  } else if (!jsonEqual(acknowledgement, after.spec.acknowledgement)) {
    patch.push({ op: "add", path: jsonPointer("spec", "acknowledgement"), value: acknowledgement });
  }
  return patch;
}
