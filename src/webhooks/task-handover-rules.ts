import { HANDOVER_HISTORY } from "../api/v1alpha1/task-handover.js";
import { currentOwners, ownership } from "../policy/task-ownership.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import { stampedNow } from "./stamping.js";
import { quoted } from "./task-evidence.js";
import { handoverChange } from "./task-handover-stamp.js";
import type { TaskWrite } from "./task-rules.js";
import type { TaskOwnerView, TaskView } from "./task-view.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

const ownerList = (owners: readonly TaskOwnerView[]): string =>
  owners.length === 0 ? "nobody" : owners.map((o) => `${o.kind} ${o.name}`).join(", ");

/** Whether a stamp names the requesting user at the webhook's time (within the decision tolerance). */
function stampedBy(by: string | undefined, at: string | undefined, user: string, now: Date): boolean {
  return by === user && stampedNow(at, now);
}

/** A refusal for a person who does not own the task now, naming who does. */
function notOwnerNow(input: TaskWrite, before: TaskView, what: string): Verdict | undefined {
  const owners = currentOwners(before.spec);
  if (ownership(owners, input.roles ?? [], input.user) !== undefined) return undefined;
  return deny(
    "NotTaskOwner",
    `${input.user.username} may not ${what}: only the task's current owners (${ownerList(owners)}) acknowledge ` +
      "it or hand it over; ask one of them.",
  );
}

/** A person's new task starts with no acknowledgement and no hand-over: those are acts on an owned task. */
export function handoverOnCreate({ before, after }: TaskWrite): Verdict {
  if (before !== undefined) return ALLOWED;
  if (after.spec.acknowledgement === undefined && after.spec.handovers.length === 0) return ALLOWED;
  return deny(
    "HandoverForged",
    "a new task carries no spec.acknowledgement or spec.handovers: create it with the owners you want in " +
      "spec.owners, then acknowledge it or hand it over as its owner.",
  );
}

/**
 * A hand-over appends one entry, by a current owner (user, group or role member), stamped with their user name and
 * the server's time, and clears the acknowledgement; entries already there never change (the oldest drop off only
 * past the bound).
 */
export function handoverByOwner(input: TaskWrite): Verdict {
  const { before, after, user, now } = input;
  if (before === undefined) return ALLOWED;
  const change = handoverChange(before.spec.handovers, after.spec.handovers, true);
  if (change.kind === "none") return ALLOWED;
  if (change.kind === "rewritten" || change.added.length !== 1) {
    return deny(
      "HandoverHistoryImmutable",
      "spec.handovers is a history: a request appends exactly one hand-over (`to`, and an optional reason) and " +
        `leaves the entries before it as they are (the last ${String(HANDOVER_HISTORY)} are kept). ` +
        "Send the list as it is with one new entry at the end.",
    );
  }
  const refused = notOwnerNow(input, before, `hand the task over`);
  if (refused !== undefined) return refused;
  const [entry] = change.added;
  if (entry === undefined || !stampedBy(entry.by, entry.at, user.username, now)) {
    return deny(
      "HandoverForged",
      `the new spec.handovers entry names ${quoted(entry?.by ?? "missing")} at ${quoted(entry?.at ?? "missing")}, ` +
        `not ${user.username} at the server's time; the server stamps by and at, so leave them out.`,
    );
  }
  if (after.spec.acknowledgement !== undefined) {
    return deny(
      "AcknowledgementForged",
      "a hand-over clears spec.acknowledgement (the new owner has not acknowledged yet); leave it out.",
    );
  }
  return ALLOWED;
}

/**
 * An acknowledgement is written once per hand-over, by a current owner, stamped with their user name and the
 * server's time; afterwards it changes only by a hand-over, which clears it.
 */
export function acknowledgedByOwner(input: TaskWrite): Verdict {
  const { before, after, user, now } = input;
  if (before === undefined) return ALLOWED;
  if (handoverChange(before.spec.handovers, after.spec.handovers, true).kind !== "none") return ALLOWED;
  const was = before.spec.acknowledgement;
  const is = after.spec.acknowledgement;
  if (jsonEqual(was, is)) return ALLOWED;
  if (was !== undefined) {
    return deny(
      "AcknowledgementForged",
      `spec.acknowledgement records that ${quoted(was.by ?? "missing")} acknowledged the task at ` +
        `${quoted(was.at ?? "missing")}; it is not edited or withdrawn, only cleared by a hand-over. Leave it as ` +
        "it is.",
    );
  }
  const refused = notOwnerNow(input, before, "acknowledge the task");
  if (refused !== undefined) return refused;
  if (is !== undefined && !stampedBy(is.by, is.at, user.username, now)) {
    return deny(
      "AcknowledgementForged",
      `spec.acknowledgement names ${quoted(is.by ?? "missing")} at ${quoted(is.at ?? "missing")}, not ` +
        `${user.username} at the server's time; the server stamps both, so write acknowledgement: {}.`,
    );
  }
  return ALLOWED;
}
