import { deliveryResources } from "../../src/controllers/resources.js";
import { isConflict } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";

/** Identifies one object the driver plays a controller for. */
export interface ObjectRef {
  name: string;
  namespace: string;
}

const app = deliveryResources.argoCDApplication;
const kustomization = deliveryResources.fluxKustomization;
const helmRelease = deliveryResources.fluxHelmRelease;

type Json = Record<string, unknown>;
const at = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Reads, changes and writes back a whole Application (no status subresource), retrying on conflict. */
async function updateApplication(
  client: KubeClient,
  ref: ObjectRef,
  change: (obj: Json) => void,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const obj = (await client.get(app, ref.name, ref.namespace)) as Json & KubeObject;
    change(obj);
    try {
      return await client.update(app, obj);
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

function finishOperation(
  obj: Json,
  revision: string,
  phase: "Succeeded" | "Failed",
  message: string,
  health: string,
  initiator: Json = { username: "stagegate" },
): void {
  const spec = obj.spec as Json;
  const operation = (obj.operation as Json | undefined) ?? { sync: { revision }, initiatedBy: initiator };
  const status = (obj.status as Json | undefined) ?? {};
  const started = at();
  status.operationState = {
    operation,
    phase,
    message,
    startedAt: started,
    finishedAt: at(),
    syncResult: { revision, source: spec.source },
  };
  if (phase === "Succeeded") {
    status.sync = {
      status: "Synced",
      revision,
      comparedTo: { source: spec.source, destination: spec.destination },
    };
    const history = (status.history as Json[] | undefined) ?? [];
    history.push({
      id: history.length,
      revision,
      deployedAt: at(),
      deployStartedAt: started,
      source: spec.source,
      initiatedBy: operation.initiatedBy ?? initiator,
    });
    status.history = history;
  }
  status.health = { status: health, lastTransitionTime: at() };
  obj.status = status;
  delete obj.operation;
}

/**
 * Argo CD finished the pending sync to `revision`: operation cleared, Synced, and the given health. With nothing
 * pending, the sync is Argo CD's own (`initiatedBy`, Stagegate's unless given: `{ automated: true }` for auto-sync).
 */
export async function argoSyncs(
  client: KubeClient,
  ref: ObjectRef,
  { revision, health = "Healthy", initiatedBy }: { revision: string; health?: string; initiatedBy?: Json },
): Promise<KubeObject> {
  return updateApplication(client, ref, (obj) =>
    finishOperation(obj, revision, "Succeeded", "successfully synced (all tasks run)", health, initiatedBy),
  );
}

/**
 * Argo CD ran the sync someone requested on an Application pinned to another revision (`argocd app sync --revision`
 * over `spec.source.targetRevision`): the operation cleared, operationState Succeeded with that operation and its
 * result, a history entry, and, as Argo CD compares the live state with the pinned revision, sync OutOfSync at the
 * pin. Returns the revision it synced.
 */
export async function argoRunsRequestedSync(client: KubeClient, ref: ObjectRef): Promise<string> {
  let revision = "";
  await updateApplication(client, ref, (obj) => {
    const pending = (obj.operation as { sync?: { revision?: string } } | undefined)?.sync?.revision;
    if (pending === undefined) throw new Error(`Application ${ref.name} has no sync operation pending.`);
    revision = pending;
    finishOperation(obj, pending, "Succeeded", "successfully synced (all tasks run)", "Healthy");
    const spec = obj.spec as Json;
    const source = spec.source as Json;
    (obj.status as Json).sync = {
      status: "OutOfSync",
      revision: source.targetRevision,
      comparedTo: { source, destination: spec.destination },
    };
  });
  return revision;
}

/** Argo CD's sync to `revision` failed: operationState phase Failed with a message, operation cleared. */
export async function argoFails(
  client: KubeClient,
  ref: ObjectRef,
  { revision, message = "one or more objects failed to apply" }: { revision: string; message?: string },
): Promise<KubeObject> {
  return updateApplication(client, ref, (obj) => {
    finishOperation(obj, revision, "Failed", message, "Healthy");
    (obj.status as Json).sync = { status: "OutOfSync", revision: "0000000000000000000000000000000000000000" };
  });
}

/** Argo CD synced `revision` but the workload went Degraded. */
export async function argoDegrades(
  client: KubeClient,
  ref: ObjectRef,
  { revision }: { revision: string },
): Promise<KubeObject> {
  return updateApplication(client, ref, (obj) =>
    finishOperation(obj, revision, "Succeeded", "successfully synced (all tasks run)", "Degraded"),
  );
}

/** Someone synced the application by hand (`argocd app sync` as alice) to `revision`. */
export async function handSync(client: KubeClient, ref: ObjectRef, revision: string): Promise<KubeObject> {
  return updateApplication(client, ref, (obj) => {
    obj.operation = { sync: { revision }, initiatedBy: { username: "alice" } };
    finishOperation(obj, revision, "Succeeded", "successfully synced (all tasks run)", "Healthy", {
      username: "alice",
    });
  });
}

function readyCondition(generation: number, message: string): Json {
  return {
    type: "Ready",
    status: "True",
    reason: "ReconciliationSucceeded",
    message,
    observedGeneration: generation,
    lastTransitionTime: at(),
  };
}

/** Writes `status` through the status subresource, retrying on conflict with a fresh read. */
async function writeStatus(
  client: KubeClient,
  rt: typeof kustomization | typeof helmRelease,
  ref: ObjectRef,
  status: (obj: KubeObject) => Json,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const obj = await client.get(rt, ref.name, ref.namespace);
    try {
      return await client.update(rt, { ...obj, status: status(obj) }, "status");
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

function handled(obj: KubeObject): Json {
  const requested = obj.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
  return requested === undefined ? {} : { lastHandledReconcileAt: requested };
}

/** kustomize-controller applied `sha` from branch main: Ready True, lastAppliedRevision `main@sha1:<sha>`. */
export async function fluxReconciles(client: KubeClient, ref: ObjectRef, sha: string): Promise<KubeObject> {
  const revision = `main@sha1:${sha}`;
  return writeStatus(client, kustomization, ref, (obj) => {
    const generation = obj.metadata.generation ?? 1;
    return {
      ...handled(obj),
      observedGeneration: generation,
      lastAppliedRevision: revision,
      lastAttemptedRevision: revision,
      conditions: [readyCondition(generation, `Applied revision: ${revision}`)],
    };
  });
}

/** helm-controller installed/upgraded to `chartVersion`: Ready True and a deployed history[0]. */
export async function fluxHelmReleases(
  client: KubeClient,
  ref: ObjectRef,
  chartVersion: string,
): Promise<KubeObject> {
  return writeStatus(client, helmRelease, ref, (obj) => {
    const generation = obj.metadata.generation ?? 1;
    const previous = ((obj.status as Json | undefined)?.history as Json[] | undefined) ?? [];
    const entry = {
      name: ref.name,
      namespace: ref.namespace,
      chartName: "podinfo",
      chartVersion,
      appVersion: chartVersion,
      configDigest: "sha256:0c2b4a6e9a1d6f1e3b0b0f7c9a3e5d7f1b2c3d4e5f60718293a4b5c6d7e8f901",
      digest: "sha256:1d3c5b7f0b2e7a2f4c1c1a8d0b4f6e8a2c3d4e5f60718293a4b5c6d7e8f90a12",
      firstDeployed: at(),
      lastDeployed: at(),
      status: "deployed",
      version: previous.length + 1,
    };
    return {
      ...handled(obj),
      observedGeneration: generation,
      history: [entry, ...previous.map((h) => ({ ...h, status: "superseded" }))],
      conditions: [
        readyCondition(generation, `Helm upgrade succeeded for release to version ${chartVersion}`),
      ],
    };
  });
}

/**
 * The revision of the sync Stagegate asked an Application for and Argo CD has not run yet: its pending
 * `operation`, when `initiatedBy.username` is Stagegate's. Undefined when nothing of Stagegate's is pending.
 */
export function pendingStagegateSync(application: KubeObject): string | undefined {
  const operation = (application as Json).operation as
    { sync?: { revision?: unknown }; initiatedBy?: { username?: unknown } } | undefined;
  const revision = operation?.sync?.revision;
  if (operation?.initiatedBy?.username !== "stagegate") return undefined;
  return typeof revision === "string" ? revision : undefined;
}

/**
 * Argo CD's comparison found the live state differing from Git at `revision` (someone changed a live object by
 * hand): sync status OutOfSync at that revision, health unchanged (Healthy when unset), no operation running.
 */
export async function argoDrifts(
  client: KubeClient,
  ref: ObjectRef,
  { revision }: { revision: string },
): Promise<KubeObject> {
  return updateApplication(client, ref, (obj) => {
    const spec = obj.spec as Json;
    const status = (obj.status as Json | undefined) ?? {};
    status.sync = {
      status: "OutOfSync",
      revision,
      comparedTo: { source: spec.source, destination: spec.destination },
    };
    status.health = status.health ?? { status: "Healthy", lastTransitionTime: at() };
    status.reconciledAt = at();
    obj.status = status;
  });
}

/**
 * The reconciliation Stagegate requested on a Flux Kustomization or HelmRelease that Flux has not handled yet:
 * `reconcile.fluxcd.io/requestedAt` differs from `status.lastHandledReconcileAt` and Stagegate marked the request
 * with `stagegate.io/requested-revision`. Returns that revision; undefined when nothing of Stagegate's is pending.
 */
export function pendingStagegateReconcile(fluxObject: KubeObject): string | undefined {
  const annotations = fluxObject.metadata.annotations ?? {};
  const requestedAt = annotations["reconcile.fluxcd.io/requestedAt"];
  const revision = annotations["stagegate.io/requested-revision"];
  const handled = ((fluxObject as Json).status as Json | undefined)?.lastHandledReconcileAt;
  if (requestedAt === undefined || revision === undefined || requestedAt === handled) return undefined;
  return revision;
}
