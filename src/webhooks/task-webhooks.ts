import type { AdmissionRequest, AdmissionResponse } from "./admission-review.js";
import { z } from "zod";
import { readObject } from "./admitted-objects.js";
import { freezeRefusal, isFeatureWork } from "./freeze-admission.js";
import { refuse, settle } from "./audit-outcome.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import { jsonPointer } from "./stamping.js";
import { isAutomatedItem, needsVerificationLookup } from "./task-automation.js";
import { creatorStampKept, creatorStampPatch } from "./task-creator-stamp.js";
import { handoverStampPatch } from "./task-handover-stamp.js";
import { ownRollbackTaskKept, sealedTaskKept } from "./task-deletion.js";
import { logStampPatch } from "./task-record.js";
import { NAMESPACE_TEAM_LABEL, rolesFor } from "../policy/task-ownership.js";
import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
import { completedItems, stampedChecklist, type ItemChange } from "./task-items.js";
import { checkTaskWrite } from "./task-rules.js";
import { TaskView } from "./task-view.js";
import { ALLOWED, deny, type Denial } from "./verdict.js";
import type { AdmissionHandler, WebhookContext } from "./webhook-context.js";

/** Whether the request comes from the operator's own identity (exactly its user name; never a group). */
export function isOperator(request: AdmissionRequest, ctx: WebhookContext): boolean {
  return ctx.operatorUsername !== undefined && request.userInfo.username === ctx.operatorUsername;
}

/**
 * `/mutate/deploymenttasks`: on CREATE and UPDATE, stamps each checklist item the request completes (a new state
 * or new evidence) with `completedBy` (the authenticated user name) and `completedAt` (the webhook's clock), and
 * puts back the stamps of every other item, whatever the request typed. On CREATE it stamps who created the task
 * (`stagegate.io/created-by`, sealed with the operator's key), replacing anything typed; on UPDATE it puts that
 * stamp back where a request left it out. An acknowledgement or hand-over the request makes is stamped with the user
 * name and the webhook's clock, whatever was typed, and a hand-over clears the acknowledgement (ADR 0049). A task
 * that does not read is left to the API server's schema validation to refuse.
 */
export const mutateDeploymentTask: AdmissionHandler = async (request, ctx) => {
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return settle(request, ctx, ALLOWED);
  const after = TaskView.safeParse(request.object);
  const before = request.operation === "UPDATE" ? TaskView.safeParse(request.oldObject) : undefined;
  if (!after.success || before?.success === false) return settle(request, ctx, ALLOWED);
  const operator = isOperator(request, ctx);
  const actor = { username: request.userInfo.username, operator };
  const now = ctx.now();
  const stamped = stampedChecklist(before?.data.spec.checklist, after.data.spec.checklist, actor, now);
  const patch = [
    ...(stamped === undefined
      ? []
      : [{ op: "add" as const, path: jsonPointer("spec", "checklist"), value: stamped }]),
    ...creatorStampPatch(request, before?.data, after.data, { seal: ctx.creatorSeal, now, operator }),
    ...handoverStampPatch(before?.data, after.data, { username: actor.username, now }),
    ...(operator ? [] : logStampPatch(before?.data, after.data, actor, now)),
  ];
  return settle(request, ctx, ALLOWED, patch.length === 0 ? {} : { patch });
};

/** The completed items Stagegate concludes itself; reads the task's Environment only when that decides it. */
async function automatedAmong(
  task: TaskView,
  completed: readonly ItemChange[],
  ctx: WebhookContext,
): Promise<{ ok: true; names: Set<string> } | { ok: false; denial: Denial }> {
  let verifies = false;
  const environment = task.spec.environment;
  if (environment !== undefined && completed.some((change) => needsVerificationLookup(task, change.name))) {
    try {
      verifies = (await ctx.lookupEnvironment(environment))?.verification !== undefined;
    } catch (error) {
      const message =
        `Environment ${environment} could not be read (${(error as Error).message}), so whether its ` +
        "verification is Stagegate's to do cannot be told; try again.";
      return { ok: false, denial: deny("AutomatedItem", message) };
    }
  }
  const names = completed.filter((change) => isAutomatedItem(task, change.name, verifies)).map((c) => c.name);
  return { ok: true, names: new Set(names) };
}

/**
 * Why a release freeze refuses a person's new task: feature work (not a rollback, verification or review) for an
 * environment of a Feature release (or a release the webhook cannot read) while a freeze holds that environment.
 */
async function newTaskFrozen(
  request: AdmissionRequest,
  task: TaskView,
  ctx: WebhookContext,
): Promise<Denial | undefined> {
  const environment = task.spec.environment;
  const release = ReleaseRefView.safeParse(task.spec.releaseRef);
  if (environment === undefined || !release.success || !isFeatureWork(task.spec.type)) return undefined;
  const namespace = request.namespace ?? task.metadata.namespace;
  const changeType =
    namespace === undefined || ctx.lookupReleaseChangeType === undefined
      ? "Feature"
      : ((await ctx.lookupReleaseChangeType(namespace, release.data.name)) ?? "Feature");
  return freezeRefusal(
    {
      what: `a new ${task.spec.type ?? "task"} task for ${changeType} release ${release.data.name}`,
      namespace,
      environments: [environment],
      changeType,
    },
    ctx,
  );
}

/**
 * The `stagegate.io/team` label of the task's namespace, read only when a TeamRoleBinding without namespaces exists. A server
 * that cannot read namespaces knows no namespace team: bindings for every namespace then apply nowhere.
 */
async function namespaceTeamOf(
  namespace: string | undefined,
  bindings: readonly TeamRoleBindingSpec[],
  ctx: WebhookContext,
): Promise<string | undefined> {
  const needed = bindings.some((b) => b.namespaces === undefined);
  if (namespace === undefined || !needed || ctx.lookupNamespaceLabels === undefined) return undefined;
  return (await ctx.lookupNamespaceLabels(namespace))?.[NAMESPACE_TEAM_LABEL];
}

const ReleaseRefView = z.looseObject({ name: z.string().min(1) });

/** Who holds each coordination role where the stored task lives: its Environment's roles and the team bindings. */
async function rolesAt(request: AdmissionRequest, stored: TaskView, ctx: WebhookContext) {
  const environment = stored.spec.environment;
  const envSpec = environment === undefined ? undefined : await ctx.lookupEnvironment(environment);
  // The team is the namespace's label, else the task's among the teams bound to this namespace (ADR 0049, 0056).
  const namespace = request.namespace ?? stored.metadata.namespace;
  const bindings = environment === undefined ? [] : ((await ctx.lookupTeamRoleBindings?.()) ?? []);
  const place = {
    environment,
    namespace,
    labels: stored.metadata.labels,
    namespaceTeam: await namespaceTeamOf(namespace, bindings, ctx),
  };
  return rolesFor(envSpec, place, bindings);
}

/**
 * `/validate/deploymenttasks`: the operator's own writes pass; a person may never set or change who created a task
 * (`CreatorForged`), create only unbound tasks, never change what a task is or checks, complete only items of tasks they own now and that Stagegate does not conclude
 * itself, acknowledge or hand over only tasks they own now (stamped, history append-only), attach only evidence that names the task's artifact or links a report, and never write who completed an
 * item or when. Every denial is recorded as `AdmissionDenied`; an admitted completion is recorded by the task
 * controller once the API server stored it.
 */
export const validateDeploymentTask: AdmissionHandler = async (request, ctx): Promise<AdmissionResponse> => {
  if (request.operation === "DELETE") {
    const operator = isOperator(request, ctx);
    const sealed = await sealedTaskKept(request, ctx, operator);
    if (!sealed.allowed || operator) return settle(request, ctx, sealed);
    return settle(
      request,
      ctx,
      await ownRollbackTaskKept(request, ctx, (task) => rolesAt(request, task, ctx)),
    );
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return settle(request, ctx, ALLOWED);
  if (isOperator(request, ctx)) return settle(request, ctx, ALLOWED);
  const after = readObject(TaskView, request.object, "object");
  if (!after.ok) return refuse(request, ctx, after.denial);
  let before: TaskView | undefined;
  if (request.operation === "UPDATE") {
    const old = readObject(TaskView, request.oldObject, "oldObject");
    if (!old.ok) return refuse(request, ctx, old.denial);
    before = old.value;
  }
  const task = after.value;
  if (before === undefined) {
    const frozen = await newTaskFrozen(request, task, ctx);
    if (frozen !== undefined) return refuse(request, ctx, frozen);
  }
  const stamp = creatorStampKept(request, before, task, { seal: ctx.creatorSeal, now: ctx.now() });
  if (!stamp.allowed) return refuse(request, ctx, stamp);
  const completed = completedItems(before?.spec.checklist, task.spec.checklist);
  const automated = await automatedAmong(before ?? task, completed, ctx);
  if (!automated.ok) return refuse(request, ctx, automated.denial);
  const verdict = checkTaskWrite({
    before,
    after: task,
    user: request.userInfo,
    now: ctx.now(),
    completed,
    automated: automated.names,
    roles: await rolesAt(request, before ?? task, ctx),
  });
  // An admitted completion, acknowledgement or hand-over is recorded by the task controller once stored (ADR 0031).
  const handed = before !== undefined && !jsonEqual(before.spec.handovers, task.spec.handovers);
  const acknowledged =
    before !== undefined && !jsonEqual(before.spec.acknowledgement, task.spec.acknowledgement);
  return settle(request, ctx, verdict, {
    recordedOnceStored: completed.length > 0 || handed || acknowledged,
  });
};
