import type { RoleMembers } from "../api/v1alpha1/roles.js";
import { currentOwners, ownership } from "../policy/task-ownership.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import type { UserInfo } from "./admission-review.js";
import { stampedNow } from "./stamping.js";
import { automationOf } from "./task-automation.js";
import { evidenceProblem, quoted } from "./task-evidence.js";
import { acknowledgedByOwner, handoverByOwner, handoverOnCreate } from "./task-handover-rules.js";
import type { ItemChange } from "./task-items.js";
import { logKept, operatorMarksKept } from "./task-record.js";
import { OPERATOR_ONLY_FIELDS, type TaskItemView, type TaskOwnerView, type TaskView } from "./task-view.js";
import { ALLOWED, deny, firstDenial, type Verdict } from "./verdict.js";

/** Everything the task rules judge about a person's write: the task before (UPDATE) and after, who, when, what. */
export interface TaskWrite {
  before?: TaskView | undefined;
  after: TaskView;
  user: UserInfo;
  now: Date;
  /** The items the write completes (sets their state or evidence). */
  completed: readonly ItemChange[];
  /** Of those, the ones Stagegate itself concludes (only the operator completes them). */
  automated: ReadonlySet<string>;
  /** Who holds each coordination role in the task's Environment, for owners of kind Role; none when unknown. */
  roles?: readonly RoleMembers[] | undefined;
}

const itemField = (name: string): string => `spec.checklist[${name}]`;

const ownerList = (owners: readonly TaskOwnerView[]): string =>
  owners.length === 0 ? "nobody" : owners.map((o) => `${o.kind} ${o.name}`).join(", ");

/** Only the operator opens a bound task: a binding says Stagegate opened this check for this exact artifact. */
export function bindingReserved({ after }: TaskWrite): Verdict {
  if (after.spec.binding === undefined) return ALLOWED;
  return deny(
    "TaskBindingReserved",
    "spec.binding is set only by Stagegate when it opens a check for a release's artifact; a task you create " +
      "must not carry one. Remove spec.binding to create a general work item (it does not count for any gate).",
  );
}

/**
 * The order a workflow template set on a check Stagegate opened stays: a task bound to an artifact keeps the
 * dependencies it was opened with, so its owners cannot unblock it by dropping one (ADR 0048).
 */
export function boundDependenciesFixed({ before, after }: TaskWrite): Verdict {
  if (before?.spec.binding === undefined) return ALLOWED;
  if (jsonEqual(before.spec.dependsOn ?? [], after.spec.dependsOn ?? [])) return ALLOWED;
  return deny(
    "TaskFieldImmutable",
    "spec.dependsOn of a check Stagegate opened cannot be changed: it is the order of the release's workflow " +
      "template. Complete the tasks it names first.",
  );
}

/** What a task is, for whom and what it checks stays as the operator opened it. */
export function operatorOnlyFields({ before, after }: TaskWrite): Verdict {
  if (before === undefined) return ALLOWED;
  const changed = OPERATOR_ONLY_FIELDS.filter((field) => !jsonEqual(before.spec[field], after.spec[field]));
  if (changed.length === 0) return ALLOWED;
  const fields = changed.map((field) => `spec.${field}`).join(", ");
  return deny(
    "TaskFieldImmutable",
    `${fields} cannot be changed: only Stagegate sets a task's type, release, environment, binding, owners and ` +
      "alert. Leave them as they are; to change who owns the work, hand the task over as its owner " +
      "(stagegate tasks handover), or change the Environment's check owners.",
  );
}

const flags = (item: TaskItemView): string => `${String(item.required)}/${String(item.requiresEvidence)}`;

/** Which items a checklist has and what each requires stays as opened; only states and evidence change. */
export function checklistFixed({ before, after }: TaskWrite): Verdict {
  if (before === undefined) return ALLOWED;
  const old = new Map(before.spec.checklist.map((item) => [item.name, item]));
  const now = new Map(after.spec.checklist.map((item) => [item.name, item]));
  const added = [...now.keys()].filter((name) => !old.has(name));
  const removed = [...old.keys()].filter((name) => !now.has(name));
  if (added.length + removed.length > 0) {
    const parts = [
      added.length > 0 ? `adds ${added.join(", ")}` : "",
      removed.length > 0 ? `removes ${removed.join(", ")}` : "",
    ].filter((part) => part !== "");
    return deny(
      "ChecklistImmutable",
      `this change ${parts.join(" and ")} in spec.checklist; the items of a task are fixed when it is opened. ` +
        "Change only the state and evidence of existing items.",
    );
  }
  for (const [name, item] of now) {
    const was = old.get(name);
    if (was !== undefined && flags(was) !== flags(item)) {
      return deny(
        "ChecklistImmutable",
        `${itemField(name)}.required and .requiresEvidence are fixed when the task is opened (they were ` +
          `${String(was.required)} and ${String(was.requiresEvidence)}); put them back and complete the item ` +
          "as it stands.",
      );
    }
  }
  return ALLOWED;
}

/** Items Stagegate concludes itself (drift, measured verification) are the operator's alone. */
export function automatedItems({ after, completed, automated }: TaskWrite): Verdict {
  const found = completed.find((change) => automated.has(change.name));
  if (found === undefined) return ALLOWED;
  return deny(
    "AutomatedItem",
    `${itemField(found.name)} is concluded by Stagegate's ${automationOf(after)}, not by people; leave its ` +
      "state and evidence alone (fix the target or the Environment's checks instead).",
  );
}

/** Whether `user` is one of `owners`: a User owner by name, a Group owner by the user's authenticated groups. */
export function isTaskOwner(
  owners: readonly TaskOwnerView[],
  user: UserInfo,
  roles: readonly RoleMembers[] = [],
): boolean {
  return ownership(owners, roles, user) !== undefined;
}

/** Only a task's current owners (after its last hand-over, if any) complete its items. */
export function notTaskOwner(input: TaskWrite): Verdict {
  if (input.completed.length === 0) return ALLOWED;
  const owners = currentOwners((input.before ?? input.after).spec);
  if (isTaskOwner(owners, input.user, input.roles)) return ALLOWED;
  const items = input.completed.map((change) => itemField(change.name)).join(", ");
  return deny(
    "NotTaskOwner",
    `${input.user.username} may not complete ${items}: only the task's owners (${ownerList(owners)}) set ` +
      "the state and evidence of its checklist items; ask one of them.",
  );
}

/**
 * Only a task's current owners cancel it or take the cancellation back: deciding that its work is not needed is
 * theirs. A cancelled Rollback task is no longer acted on, so anyone else's cancel would silence a rollback.
 */
export function cancelledByOwner(input: TaskWrite): Verdict {
  const { before, after } = input;
  if (before === undefined || (before.spec.cancelled ?? false) === (after.spec.cancelled ?? false))
    return ALLOWED;
  const owners = currentOwners(before.spec);
  if (isTaskOwner(owners, input.user, input.roles)) return ALLOWED;
  return deny(
    "NotTaskOwner",
    `${input.user.username} may not ${after.spec.cancelled === true ? "cancel" : "resume"} this task ` +
      `(spec.cancelled): only its owners (${ownerList(owners)}) decide that its work is no longer needed; ask one ` +
      "of them.",
  );
}

/** Evidence a person attaches names the task's artifact (digest or commit) or links a report (https://). */
export function evidenceAttests({ after, completed }: TaskWrite): Verdict {
  const artifact = after.spec.binding?.artifact;
  const bound = after.spec.binding === undefined ? undefined : { digests: [], ...artifact };
  for (const change of completed) {
    const evidence = change.after.evidence;
    if (evidence === undefined) continue;
    const problem = evidenceProblem(evidence, bound, `${itemField(change.name)}.evidence`);
    if (problem !== undefined) return deny("EvidenceNotAttested", problem);
  }
  return ALLOWED;
}

/**
 * Who completed an item and when are the server's stamps: a completed item names the requesting user and the
 * webhook's time, and every other item keeps the stamps it had (the mutating webhook sets both; this backs it).
 */
export function completionStamped({ before, after, user, now, completed }: TaskWrite): Verdict {
  const completedNames = new Set(completed.map((change) => change.name));
  for (const change of completed) {
    const { completedBy, completedAt } = change.after;
    if (completedBy !== user.username || !stampedNow(completedAt, now)) {
      return deny(
        "CompletionForged",
        `${itemField(change.name)}.completedBy is ${quoted(completedBy ?? "missing")} at ` +
          `${quoted(completedAt ?? "missing")}, not ${user.username} at the server's time; the server stamps ` +
          "both, so leave completedBy and completedAt out of your change.",
      );
    }
  }
  const old = new Map((before?.spec.checklist ?? []).map((item) => [item.name, item]));
  for (const item of after.spec.checklist) {
    if (completedNames.has(item.name)) continue;
    const was = old.get(item.name);
    if (item.completedBy !== was?.completedBy || item.completedAt !== was?.completedAt) {
      return deny(
        "CompletionForged",
        `${itemField(item.name)}.completedBy and .completedAt record who last completed the item and when; ` +
          "they change only with its state or evidence. Leave them as they are.",
      );
    }
  }
  return ALLOWED;
}

/** The chain for a person's new task, in the order a person fixing the request wants to hear about problems. */
const CREATE_RULES = [
  bindingReserved,
  automatedItems,
  notTaskOwner,
  evidenceAttests,
  completionStamped,
  handoverOnCreate,
  logKept,
] as const;

/** The chain for a person's change to a task. */
const UPDATE_RULES = [
  operatorOnlyFields,
  operatorMarksKept,
  boundDependenciesFixed,
  checklistFixed,
  automatedItems,
  notTaskOwner,
  cancelledByOwner,
  evidenceAttests,
  completionStamped,
  handoverByOwner,
  acknowledgedByOwner,
  logKept,
] as const;

/** Judges a person's write to a DeploymentTask (the operator's writes are not judged); the first denial wins. */
export function checkTaskWrite(input: TaskWrite): Verdict {
  return firstDenial(input, input.before === undefined ? CREATE_RULES : UPDATE_RULES);
}
