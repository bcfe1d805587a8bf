import { z } from "zod";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../api/v1alpha1/deployment-task.js";
import { ObjectMeta } from "../api/v1alpha1/meta.js";
import { assessAwaitingDecision } from "../cli/awaiting-decision.js";
import type { ApprovalObject } from "../cli/change-control.js";
import { currentOwners, ownership, rolesFor, type EnvironmentRoles } from "../policy/task-ownership.js";
import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
import type { Identity } from "../runtime/kube/self-review.js";

/** An approval waiting for the signed-in user, as the page shows it with its decide form. */
export interface WaitingApproval {
  namespace: string;
  approval: string;
  changeRequest: string;
  required: number;
  approvals: number;
  eligible: string;
  expiresAt?: string;
}

/** A task the signed-in user owns, or shares through a group or a coordination role, that is not done. */
export interface WaitingTask {
  namespace: string;
  name: string;
  /** `mine`, or `shared via group qa, role QA`: as `stagegate tasks --mine` says it. */
  owned: string;
  title: string;
  type: string;
  phase: string;
  dueAt?: string;
  overdue: boolean;
  progress?: string;
}

/** A DeploymentTask as this page reads it. */
export const WaitingTaskObject = z.looseObject({
  metadata: ObjectMeta,
  spec: DeploymentTaskSpec,
  status: DeploymentTaskStatus.optional(),
});
export type WaitingTaskObject = z.infer<typeof WaitingTaskObject>;

/**
 * The approvals that wait for `me` (open, pending, eligible by user or group, not excluded, not yet decided by
 * me: the same assessment as `stagegate changes --pending-for-me`), oldest first. `me` is the identity the API
 * server's TokenReview returned, never anything the user typed.
 */
export function waitingApprovals(items: readonly ApprovalObject[], me: Identity): WaitingApproval[] {
  return items
    .filter((approval) => assessAwaitingDecision(approval, me).pass)
    .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))
    .map((approval) => {
      const { users, groups } = approval.spec.eligible;
      return {
        namespace: approval.metadata.namespace ?? "",
        approval: approval.metadata.name,
        changeRequest: approval.spec.changeRequestRef.name,
        required: approval.spec.required,
        approvals: Object.values(approval.spec.decisions).filter((d) => d.decision === "Approve").length,
        eligible: [...users, ...groups.map((g) => `group ${g}`)].join(", "),
        ...(approval.status?.expiresAt === undefined ? {} : { expiresAt: approval.status.expiresAt }),
      };
    });
}

const DONE = new Set(["Succeeded", "Cancelled"]);

/** The TeamRoleBindings the user could read, and the team labels of the namespaces they could read. */
export interface TeamBindings {
  teams: readonly TeamRoleBindingSpec[];
  namespaceTeams: ReadonlyMap<string, string | undefined>;
}

/**
 * The tasks `me` owns (by user name) or shares (through one of my authenticated groups, or a coordination role my
 * name or groups hold in the task's Environment, `roles` by Environment name) that are neither succeeded nor
 * cancelled, the earliest due first; `now` judges overdue. Ownership is `stagegate tasks --mine`'s own: the owner of
 * the last hand-over, else the owners it was opened with, and the roles bound for the task's team and namespace; a
 * Role owner is never matched by name, and a role in an Environment not in `roles` (one the user may not read)
 * stands for nobody. `teams` adds the holders of the team's TeamRoleBindings the user could read.
 */
export function waitingTasks(
  items: readonly WaitingTaskObject[],
  me: Identity,
  now: Date,
  roles: ReadonlyMap<string, EnvironmentRoles> = new Map(),
  teams: TeamBindings = { teams: [], namespaceTeams: new Map() },
): WaitingTask[] {
  return items
    .filter((task) => !DONE.has(task.status?.phase ?? ""))
    .flatMap((task) => {
      const place = {
        environment: task.spec.environment,
        namespace: task.metadata.namespace,
        labels: task.metadata.labels,
        namespaceTeam: teams.namespaceTeams.get(task.metadata.namespace ?? ""),
      };
      const owned = ownership(
        currentOwners(task.spec),
        rolesFor(roles.get(task.spec.environment ?? ""), place, teams.teams),
        me,
      );
      return owned === undefined ? [] : [{ task, owned }];
    })
    .map(({ task, owned }) => {
      const dueAt = task.status?.dueAt ?? task.spec.dueAt;
      return {
        namespace: task.metadata.namespace ?? "",
        name: task.metadata.name,
        owned: owned.kind === "mine" ? "mine" : `shared via ${owned.via.join(", ")}`,
        title: task.spec.title,
        type: task.spec.type,
        phase: task.status?.phase ?? "Not yet seen by the operator",
        ...(dueAt === undefined ? {} : { dueAt }),
        overdue: dueAt !== undefined && Date.parse(dueAt) <= now.getTime(),
        ...(task.status?.progress === undefined ? {} : { progress: task.status.progress }),
      };
    })
    .sort((a, b) => (a.dueAt ?? "~").localeCompare(b.dueAt ?? "~"));
}
