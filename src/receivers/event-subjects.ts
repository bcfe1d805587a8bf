import { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import { pinnedReleaseSpec } from "../api/v1alpha1/pinned-release.js";
import type { ReleaseSpec } from "../api/v1alpha1/release.js";
import { resources } from "../controllers/resources.js";
import { isNotFound } from "../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { EventRejected } from "./answer.js";

/** A Release an event names, read from the API server, with its parsed spec. */
export interface EventRelease {
  object: KubeObject;
  namespace: string;
  name: string;
  spec: ReleaseSpec;
}

/**
 * Reads the Release an event names and checks the event's environment is in its pipeline. A Release that does
 * not exist is a 404, an environment outside its pipeline a 422, each naming what to fix.
 */
export async function readEventRelease(
  client: KubeClient,
  ref: { name: string; namespace: string },
  environment: string,
  opts: CallOptions = {},
): Promise<EventRelease> {
  let object: KubeObject;
  try {
    object = await client.get(resources.release, ref.name, ref.namespace, opts);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new EventRejected(
      404,
      "ReleaseNotFound",
      `Release ${ref.namespace}/${ref.name} does not exist: check data.release.name and data.release.namespace.`,
    );
  }
  const pinned = pinnedReleaseSpec(object);
  if (pinned === undefined) {
    throw new EventRejected(
      422,
      "ReleaseInvalid",
      `Release ${ref.namespace}/${ref.name} has a spec the operator cannot read; fix the Release first.`,
    );
  }
  if (!pinned.pipeline.includes(environment)) {
    throw new EventRejected(
      422,
      "EnvironmentNotInPipeline",
      `Environment ${environment} is not in the pipeline of Release ${ref.namespace}/${ref.name} ` +
        `(${pinned.pipeline.join(", ")}): check data.environment.`,
    );
  }
  return { object, namespace: ref.namespace, name: ref.name, spec: pinned };
}

/** Reads a cluster-scoped Environment by name; one that does not exist is a 404 naming it. */
export async function readEventEnvironment(
  client: KubeClient,
  name: string,
  opts: CallOptions = {},
): Promise<EnvironmentSpec> {
  let object: KubeObject;
  try {
    object = await client.get(resources.environment, name, undefined, opts);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new EventRejected(
      404,
      "EnvironmentNotFound",
      `Environment ${name} does not exist: check data.environment, or create the Environment first.`,
    );
  }
  const spec = EnvironmentSpec.safeParse(object.spec);
  if (!spec.success) {
    throw new EventRejected(
      422,
      "EnvironmentInvalid",
      `Environment ${name} has a spec the operator cannot read; fix the Environment first.`,
    );
  }
  return spec.data;
}
