import { inheritedDimensionLabels } from "../api/v1alpha1/dimensions.js";
import { API_VERSION } from "../api/v1alpha1/group.js";
import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import { RELEASE_FIELD_MANAGER, RELEASE_LABEL } from "../controllers/release/apply.js";
import type { GateBinding } from "../api/v1alpha1/binding.js";
import { bindingFor, planCheckTasks, type ReleaseRef } from "../controllers/release/children.js";
import { resources } from "../controllers/resources.js";
import { isNotFound } from "../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import type { EventRelease } from "./event-subjects.js";
import { labelValue } from "../runtime/kube/label-value.js";
import { EventRejected } from "./answer.js";

/** The release as the Release controller plans its children from it. */
export function releaseRefOf(release: EventRelease): ReleaseRef {
  return { name: release.name, uid: release.object.metadata.uid ?? "", spec: release.spec };
}

/**
 * The binding an event's check tasks attest, exactly as the Release controller binds them; an event about a
 * release without an immutable source commit or without a target there is refused (409), naming the fix.
 */
export function eventBinding(release: EventRelease, environment: string): GateBinding {
  const binding = bindingFor(releaseRefOf(release), environment);
  if (binding === undefined) {
    throw new EventRejected(
      409,
      "NoImmutableBinding",
      `Release ${release.namespace}/${release.name} has no target in ${environment} or its spec.source.revision ` +
        "is not a full commit id: checks attest one immutable artifact; set the full commit id.",
    );
  }
  return binding;
}

/** What ensuring the check tasks found: the tasks it created and those that already existed. */
export interface EnsuredCheckTasks {
  created: string[];
  existing: string[];
}

async function exists(
  client: KubeClient,
  name: string,
  namespace: string,
  opts: CallOptions,
): Promise<boolean> {
  try {
    await client.get(resources.deploymentTask, name, namespace, opts);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Ensures the DeploymentTask of each check `environment` requires exists for the release, exactly as the Release
 * controller opens them (the same planCheckTasks at `now`, binding, names, due dates, labels, owner reference and
 * field manager), so whichever
 * of the two comes first creates the task and the other finds it. An existing task is never rewritten.
 */
export async function ensureCheckTasks(
  client: KubeClient,
  release: EventRelease,
  environment: string,
  env: EnvironmentSpec,
  opts: CallOptions = {},
  now: Date = new Date(),
): Promise<EnsuredCheckTasks> {
  const result: EnsuredCheckTasks = { created: [], existing: [] };
  const owner = release.object.metadata;
  const binding = eventBinding(release, environment);
  for (const task of planCheckTasks(releaseRefOf(release), binding, env, now)) {
    if (await exists(client, task.name, release.namespace, opts)) {
      result.existing.push(task.name);
      continue;
    }
    const metadata = {
      name: task.name,
      namespace: release.namespace,
      labels: { ...inheritedDimensionLabels(owner.labels), [RELEASE_LABEL]: labelValue(release.name) },
      ownerReferences: [
        { apiVersion: API_VERSION, kind: "Release", name: release.name, uid: owner.uid, controller: true },
      ],
    };
    const spec = {
      type: task.type,
      title: task.title,
      description: task.description,
      releaseRef: task.releaseRef,
      environment: task.environment,
      binding: task.binding,
      owners: task.owners,
      checklist: task.checklist,
      ...(task.sla === undefined ? {} : { sla: task.sla }),
      ...(task.dueAt === undefined ? {} : { dueAt: task.dueAt }),
    };
    await client.apply(
      resources.deploymentTask,
      { apiVersion: API_VERSION, kind: "DeploymentTask", metadata, spec },
      { fieldManager: RELEASE_FIELD_MANAGER, ...opts },
    );
    result.created.push(task.name);
  }
  return result;
}
