import { DeploymentTaskSpec, DeploymentTaskStatus } from "../api/v1alpha1/deployment-task.js";
import { pinnedReleaseSpec } from "../api/v1alpha1/pinned-release.js";
import { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import type { ReleaseSpec } from "../api/v1alpha1/release.js";
import { ReleaseStatus } from "../api/v1alpha1/release.js";
import type { KubeObject } from "../runtime/kube/object.js";
import type { Informers } from "./informers.js";

/** A DeploymentTask as the task controllers (drift check, verification, rollback) plan from it. */
export interface ParsedTask {
  spec: DeploymentTaskSpec;
  /** Undefined when the status does not read; a task is still planned from its spec. */
  status: DeploymentTaskStatus | undefined;
}

/**
 * Parses a task's spec and status. Undefined when the spec does not read: that is the DeploymentTask
 * controller's to report (Stalled), so there is nothing for a task controller to do with it.
 */
export function parseTask(obj: KubeObject): ParsedTask | undefined {
  const spec = DeploymentTaskSpec.safeParse(obj.spec);
  if (!spec.success) return undefined;
  const status = DeploymentTaskStatus.safeParse(obj.status ?? {});
  return { spec: spec.data, status: status.success ? status.data : undefined };
}

/** A Release as found in the cache for a task, its spec read. */
export interface FoundRelease {
  object: KubeObject;
  spec: ReleaseSpec;
  /** Undefined when the status does not read. */
  status: ReleaseStatus | undefined;
}

/**
 * The Release `name` in `namespace` (a task's `releaseRef`) from the cache. Undefined when there is no name, no
 * such Release, or its spec does not read: that is the Release controller's to report, and none of its targets
 * can be trusted.
 */
export function findRelease(
  informers: Pick<Informers, "releases">,
  namespace: string,
  name: string | undefined,
): FoundRelease | undefined {
  if (name === undefined) return undefined;
  const object = informers.releases.store.get(`${namespace}/${name}`);
  if (object === undefined) return undefined;
  let found = foundReleases.get(object);
  if (found === undefined) {
    const spec = pinnedReleaseSpec(object);
    const status = ReleaseStatus.safeParse(object.status ?? {});
    found = spec === undefined ? null : { object, spec, status: status.success ? status.data : undefined };
    foundReleases.set(object, found);
  }
  return found ?? undefined;
}

/**
 * The reading of each cached Release version (null: its spec does not read). The cache replaces an object when it
 * changes and never edits one, so a version's reading never goes stale: the task controllers woken by every new
 * task (rollback, verification, drift check) read the release once per version, not once per task event (issue 12).
 * Readers never change what they are given.
 */
const foundReleases = new WeakMap<KubeObject, FoundRelease | null>();

/**
 * The spec of the Environment `name` (a task's `environment`) from the cache. Undefined when there is no name,
 * no such Environment, or its spec does not read (the Environment controller's to report).
 */
export function findEnvironment(
  informers: Pick<Informers, "environments">,
  name: string | undefined,
): EnvironmentSpec | undefined {
  const object = name === undefined ? undefined : informers.environments.store.get(name);
  const spec = object === undefined ? undefined : EnvironmentSpec.safeParse(object.spec);
  return spec?.success === true ? spec.data : undefined;
}
