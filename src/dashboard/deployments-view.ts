import { z } from "zod";
import { Condition } from "../api/v1alpha1/condition.js";
import { BoardRelease, releaseHref } from "./board-view.js";
import type { WaitingTaskObject } from "./waiting-view.js";

/** A Release as the deployments page reads it: the board's reading plus the operator's conditions. */
export const DeploymentsRelease = BoardRelease.extend({
  status: z
    .looseObject({
      environments: BoardRelease.shape.status.unwrap().shape.environments,
      conditions: z.array(Condition).optional().catch(undefined),
    })
    .optional(),
});
export type DeploymentsRelease = z.infer<typeof DeploymentsRelease>;

/** One deployment of a release into an environment, as the operator recorded it in `status.environments`. */
export interface DeploymentLine {
  namespace: string;
  release: string;
  href: string;
  version: string;
  environment: string;
  state: string;
  symbol: string;
  /** The last step reached, in words ("verified", "deployed", "deploy started"). */
  step: string;
  at: string;
  revision: string;
}

/** A Rollback task, as the deployments page lists it. */
export interface RollbackLine {
  namespace: string;
  name: string;
  title: string;
  release?: string;
  environment?: string;
  /** The alert the task records (the receiver writes it); none when a person opened the task. */
  alert?: string;
  phase: string;
  openedAt: string;
  completedAt?: string;
}

/** A release whose `UnapprovedDeployment` condition the operator set True. */
export interface UnapprovedLine {
  namespace: string;
  release: string;
  href: string;
  since: string;
  message: string;
}

const SYMBOL: Record<string, string> = { Deploying: "↻", Deployed: "●", Verified: "✔", Failed: "✖" };

/** How many deployments and rollbacks the page shows, newest first. */
export const RECENT_LIMIT = 50;

/**
 * Every promotion the operator recorded as started (`deployStartedAt`) in each release's status, with its last
 * step and when it was reached, newest first (at most {@link RECENT_LIMIT}). Status is written only by the
 * operator, through the status subresource.
 */
export function recentDeployments(releases: readonly DeploymentsRelease[]): DeploymentLine[] {
  return releases
    .flatMap((release) =>
      (release.status?.environments ?? []).flatMap((env) => {
        if (env.deployStartedAt === undefined) return [];
        const [step, at] =
          env.verifiedAt !== undefined
            ? ["verified", env.verifiedAt]
            : env.deployedAt !== undefined
              ? ["deployed", env.deployedAt]
              : ["deploy started", env.deployStartedAt];
        const namespace = release.metadata.namespace ?? "";
        const line: DeploymentLine = {
          namespace,
          release: release.metadata.name,
          href: releaseHref(namespace, release.metadata.name),
          version: release.spec?.version ?? "",
          environment: env.name,
          state: env.state,
          symbol: SYMBOL[env.state] ?? "·",
          step,
          at,
          revision: (env.revision ?? "").slice(0, 12),
        };
        return [line];
      }),
    )
    .sort((a, b) => b.at.localeCompare(a.at) || a.href.localeCompare(b.href))
    .slice(0, RECENT_LIMIT);
}

/** The Rollback tasks, newest first (at most {@link RECENT_LIMIT}). */
export function rollbackLines(tasks: readonly WaitingTaskObject[]): RollbackLine[] {
  return tasks
    .filter((task) => task.spec.type === "Rollback")
    .map((task) => {
      const line: RollbackLine = {
        namespace: task.metadata.namespace ?? "",
        name: task.metadata.name,
        title: task.spec.title,
        phase: task.status?.phase ?? "Not yet seen by the operator",
        openedAt: task.metadata.creationTimestamp ?? "",
        ...(task.spec.releaseRef === undefined ? {} : { release: task.spec.releaseRef.name }),
        ...(task.spec.environment === undefined ? {} : { environment: task.spec.environment }),
        ...(task.spec.alert === undefined
          ? {}
          : { alert: task.spec.alert.name ?? `fingerprint ${task.spec.alert.fingerprint}` }),
        ...(task.status?.completedAt === undefined ? {} : { completedAt: task.status.completedAt }),
      };
      return line;
    })
    .sort((a, b) => b.openedAt.localeCompare(a.openedAt) || a.name.localeCompare(b.name))
    .slice(0, RECENT_LIMIT);
}

/** The releases the operator reports running something nobody approved (condition True), the longest first. */
export function unapprovedLines(releases: readonly DeploymentsRelease[]): UnapprovedLine[] {
  return releases
    .flatMap((release) => {
      const found = release.status?.conditions?.find(
        (c) => c.type === "UnapprovedDeployment" && c.status === "True",
      );
      if (found === undefined) return [];
      const namespace = release.metadata.namespace ?? "";
      const line: UnapprovedLine = {
        namespace,
        release: release.metadata.name,
        href: releaseHref(namespace, release.metadata.name),
        since: found.lastTransitionTime,
        message: found.message,
      };
      return [line];
    })
    .sort((a, b) => a.since.localeCompare(b.since) || a.href.localeCompare(b.href));
}
