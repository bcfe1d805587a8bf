import type { GateBinding } from "../../api/v1alpha1/binding.js";
import type { Artifact, PlannedWindow } from "../../api/v1alpha1/change-request.js";
import { releaseBinding } from "../../api/v1alpha1/release-binding.js";
import type { TaskType } from "../../api/v1alpha1/deployment-task.js";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import type { Owner } from "../../api/v1alpha1/meta.js";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { windowPosition } from "../../policy/deployment-window.js";
import { formatTimestamp, parseDuration } from "../../runtime/duration.js";
import type { EnsureChangeRequest, EnsureCheckTask } from "./actions.js";
import { checklistFor } from "./checklists.js";
import { targetObjectName, targetRevision } from "./delivery.js";
import { changeRequestName, checkTaskName } from "./names.js";
import { planTemplateTasks } from "./template-tasks.js";

/** The planned window of a change in an environment that declares no windows and no task SLA. */
export const DEFAULT_PLANNED_WINDOW = "24h";
const MAX_JUSTIFICATION = 4096;

/** The release fields the child objects are decided from. */
export interface ReleaseRef {
  name: string;
  /** The Release's UID, bound into every child: a re-created release is another release. */
  uid: string;
  /** The spec the release is decided and delivered by: the declared one, with a resolved ref pinned. */
  spec: ReleaseSpec;
  /** The spec as declared, before any ref was resolved; `spec` when nothing was. */
  declared?: ReleaseSpec | undefined;
  /** Why the branch or tag the release names could not be resolved for a gate that resolves it. */
  unresolved?: string | undefined;
  /** Why a target's chart version range could not be resolved, by environment, for a gate that resolves it. */
  unresolvedCharts?: Readonly<Record<string, string>> | undefined;
}

/**
 * The binding of the release's gate in `environment`, through the target the release names for it; undefined
 * without a target or without a full source commit (nothing immutable to bind).
 */
export function bindingFor(release: ReleaseRef, environment: string): GateBinding | undefined {
  const target = release.spec.targets.find((t) => t.environment === environment);
  return target === undefined ? undefined : releaseBinding(release, environment, target);
}

/**
 * The DeploymentTask of each required check of `environment`, by deterministic name: owned by the Environment's
 * infrastructure owners (EnvironmentReadiness) or application owners (every other check), and by the release
 * manager when that list is empty; due after the Environment's taskSLA, except readiness, which is due when the
 * next deployment window opens (given `now`, when the Environment has windows and none is open): the environment
 * must be ready before the window, not some hours into it. Then the tasks the release's workflow template opens at
 * this stage (`planTemplateTasks`), on top of the Environment's own.
 */
export function planCheckTasks(
  release: ReleaseRef,
  binding: GateBinding,
  env: EnvironmentSpec,
  now?: Date,
): EnsureCheckTask[] {
  const { environment } = binding;
  const windowOpens = now === undefined ? undefined : nextWindowStart(env, now);
  const own: EnsureCheckTask[] = [...new Set(env.gate.requiredChecks)].map((type) => ({
    kind: "EnsureCheckTask",
    name: checkTaskName(binding, type),
    environment,
    binding,
    type,
    title: `${type} of ${release.name} ${release.spec.version} in ${environment}`,
    description:
      `The ${type} check the ${environment} environment requires before release ${release.name} ` +
      `(version ${release.spec.version}) may enter it or be verified there.`,
    releaseRef: { name: release.name },
    owners: checkOwners(type, env, release.spec),
    checklist: checklistFor(type, env.verification !== undefined),
    ...(type === "EnvironmentReadiness" && windowOpens !== undefined
      ? { dueAt: formatTimestamp(windowOpens) }
      : env.taskSLA === undefined
        ? {}
        : { sla: env.taskSLA }),
  }));
  const template = planTemplateTasks(release, binding, env, (type) => checkOwners(type, env, release.spec));
  return [...own, ...template];
}

/** When the next permitted window opens, when none is open now; undefined without windows. */
function nextWindowStart(env: EnvironmentSpec, now: Date): Date | undefined {
  const positions = env.gate.windows.map((w) => windowPosition(w, now));
  if (positions.some((p) => p.open)) return undefined;
  const starts = positions.flatMap((p) => (p.opensAt === undefined ? [] : [p.opensAt.getTime()]));
  return starts.length === 0 ? undefined : new Date(Math.min(...starts));
}

function checkOwners(type: TaskType, env: EnvironmentSpec, spec: ReleaseSpec): Owner[] {
  const owners = type === "EnvironmentReadiness" ? env.owners.infrastructure : env.owners.application;
  return owners.length > 0 ? owners.map((o) => ({ ...o })) : [{ ...spec.owners.releaseManager }];
}

/**
 * The Normal ChangeRequest asking to open `environment` for the release: justified by its version and work
 * items, planned for the next permitted window (or from now for the task SLA, 24h without one), shipping the
 * target's revision and chart version. Throws only on windows or an SLA that do not parse, which the caller
 * checks first.
 */
export function planChangeRequest(
  release: ReleaseRef,
  binding: GateBinding,
  promotion: number,
  env: EnvironmentSpec,
  target: ReleaseTarget,
  now: Date,
): EnsureChangeRequest {
  const { environment } = binding;
  return {
    kind: "EnsureChangeRequest",
    name: changeRequestName(binding, promotion),
    environment,
    binding,
    type: "Normal",
    justification: justify(release, environment),
    plannedWindow: plannedWindow(env, now),
    artifacts: artifactsOf(target, release.spec),
    releaseRef: { name: release.name },
  };
}

function justify(release: ReleaseRef, environment: string): string {
  const { version, workItems } = release.spec;
  const items = workItems.map((w) =>
    w.title === undefined ? `${w.type} ${w.id}` : `${w.type} ${w.id}: ${w.title}`,
  );
  const text =
    `Release ${release.name} version ${version} to ${environment}. ` +
    (items.length === 0 ? "It lists no work items." : `It delivers ${items.join("; ")}.`);
  return text.length <= MAX_JUSTIFICATION ? text : `${text.slice(0, MAX_JUSTIFICATION - 1)}…`;
}

/** The window a change is planned for: the open or next permitted window; else now until the task SLA. */
export function plannedWindow(env: EnvironmentSpec, now: Date): PlannedWindow {
  const candidates = env.gate.windows.flatMap((w) => {
    const at = windowPosition(w, now);
    if (at.open && at.closesAt !== undefined) return [{ start: now, end: at.closesAt }];
    if (at.opensAt !== undefined) {
      return [{ start: at.opensAt, end: new Date(at.opensAt.getTime() + parseDuration(w.duration)) }];
    }
    return [];
  });
  const first = candidates.sort((a, b) => a.start.getTime() - b.start.getTime())[0];
  const window = first ?? {
    start: now,
    end: new Date(now.getTime() + parseDuration(env.taskSLA ?? DEFAULT_PLANNED_WINDOW)),
  };
  return { start: formatTimestamp(window.start), end: formatTimestamp(window.end) };
}

function artifactsOf(target: ReleaseTarget, spec: ReleaseSpec): Artifact[] {
  const name = targetObjectName(target);
  const flux = target.flux;
  if (flux?.kind === "HelmRelease" && flux.chartVersion !== undefined) {
    const chart = { name: `${name}-chart`, revision: flux.chartVersion };
    return flux.revision === undefined ? [chart] : [{ name, revision: flux.revision }, chart];
  }
  return [{ name, revision: targetRevision(target, spec) }];
}
