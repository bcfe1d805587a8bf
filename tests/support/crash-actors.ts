// The world around the operator in a crash test, each part a background loop over the cluster: Argo CD running the
// syncs Stagegate requests, approvers deciding ChangeRequests, and a security engineer finishing check tasks. They
// act through the API as their own identities and keep working while the operator is dead.
import { setTimeout as delay } from "node:timers/promises";
import { resources } from "../../src/controllers/resources.js";
import { deliveryResources } from "../../src/controllers/resources.js";
import { ApiError, isConflict, TransportError } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import type { SeededRandom } from "./crash-random.js";
import { argoSyncs, pendingStagegateSync } from "./gitops-driver.js";

/** A background activity of a test, polling until stopped. */
export interface BackgroundLoop {
  /** What its steps threw, as `name: message`; a test asserts there was nothing. */
  readonly errors: string[];
  /** Stops after the step in progress and waits for it. */
  stop(): Promise<void>;
}

/** An error the API server's own restarts and warm-up cause (5xx, 429, 409, no answer): the next pass retries. */
function transient(err: unknown): boolean {
  if (err instanceof TransportError) return true;
  return err instanceof ApiError && (err.status >= 500 || err.status === 429 || err.status === 409);
}

/**
 * Runs `step` every `intervalMs` until stopped. A transient error is retried by the next pass; any other is kept
 * for the test to report, and the loop goes on.
 */
export function runInBackground(name: string, step: () => Promise<void>, intervalMs = 100): BackgroundLoop {
  let stopped = false;
  const errors: string[] = [];
  const done = (async () => {
    while (!stopped) {
      try {
        await step();
      } catch (err) {
        if (!transient(err)) errors.push(`${name}: ${(err as Error).message}`);
      }
      await delay(intervalMs);
    }
  })();
  return {
    errors,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** One sync Argo CD saw Stagegate request: what, when, and what was wrong about it at that moment. */
export interface ObservedSync {
  application: string;
  revision: string;
  /** `Date.now()` when the pending operation was first seen, before it ran. */
  seenAt: number;
  /** What `inspect` found wrong when the sync was seen; empty for a sync the gates allowed. */
  violations: string[];
  /** When Argo CD finished it (Synced, Healthy). */
  syncedAt?: number;
}

/**
 * Plays Argo CD for every Application in `namespace`: whenever one carries a sync operation initiated by Stagegate,
 * records it, lets `inspect` judge the world at that very moment, and completes the sync as Argo CD would.
 */
export function playArgoCD(
  client: KubeClient,
  namespace: string,
  inspect: (application: KubeObject, revision: string, syncs: readonly ObservedSync[]) => Promise<string[]>,
): { loop: BackgroundLoop; syncs: ObservedSync[] } {
  const syncs: ObservedSync[] = [];
  const loop = runInBackground("argo-cd", async () => {
    const list = await client.list(deliveryResources.argoCDApplication, { namespace });
    for (const application of list.items) {
      const revision = pendingStagegateSync(application);
      if (revision === undefined) continue;
      // A sync whose completion failed last pass is the same sync, tried again.
      let sync = syncs.find(
        (s) =>
          s.application === application.metadata.name && s.revision === revision && s.syncedAt === undefined,
      );
      if (sync === undefined) {
        const seenAt = Date.now();
        const violations = await inspect(application, revision, syncs);
        sync = { application: application.metadata.name, revision, seenAt, violations };
        syncs.push(sync);
      }
      await argoSyncs(client, { name: application.metadata.name, namespace }, { revision });
      sync.syncedAt = Date.now();
    }
  });
  return { loop, syncs };
}

/** A person who decides: their user name and groups, and a client authenticated as them. */
export interface Approver {
  user: string;
  groups: string[];
  client: KubeClient;
}

/** One approval given by the approvers' loop. */
export interface GivenApproval {
  changeRequest: string;
  release: string;
  environment: string;
  approver: string;
  /** When the change was first seen with its Approval opened, and when the decision is due. */
  seenAt: number;
  dueAt: number;
  /** When the decision was written (its `decidedAt`). */
  decidedAt?: number;
}

/**
 * Approves every ChangeRequest of `namespace` once its Approval is open, after a random delay, as one of the
 * `approvers` patching their own entry of the Approval (the decision and groups the admission webhook would stamp).
 */
export function approveChanges(opts: {
  admin: KubeClient;
  namespace: string;
  approvers: readonly Approver[];
  random: SeededRandom;
  delayMs: [number, number];
}): { loop: BackgroundLoop; given: Map<string, GivenApproval> } {
  const { admin, namespace, random } = opts;
  const given = new Map<string, GivenApproval>();
  const loop = runInBackground("approvers", async () => {
    const changes = await admin.list(resources.changeRequest, { namespace });
    for (const change of changes.items) {
      const approvalName = (change.status as { approvalRef?: { name?: string } } | undefined)?.approvalRef
        ?.name;
      if (approvalName === undefined) continue;
      const spec = change.spec as { releaseRef: { name: string }; environment: string };
      let plan = given.get(change.metadata.name);
      if (plan === undefined) {
        const now = Date.now();
        plan = {
          changeRequest: change.metadata.name,
          release: spec.releaseRef.name,
          environment: spec.environment,
          approver: random.pick(opts.approvers).user,
          seenAt: now,
          dueAt: now + random.between(...opts.delayMs),
        };
        given.set(change.metadata.name, plan);
      }
      if (plan.decidedAt !== undefined || Date.now() < plan.dueAt) continue;
      const approval = await admin.get(resources.approval, approvalName, namespace);
      if ((approval.status as { outcome?: unknown } | undefined)?.outcome === undefined) continue;
      const approver = opts.approvers.find((a) => a.user === plan.approver);
      if (approver === undefined) throw new Error(`No approver ${plan.approver}`);
      const decidedAt = new Date();
      await approver.client.patch(
        resources.approval,
        approvalName,
        namespace,
        {
          spec: {
            decisions: {
              [approver.user]: {
                decision: "Approve",
                decidedAt: decidedAt.toISOString(),
                groups: approver.groups,
                comment: "Reviewed the change; go.",
              },
            },
          },
        },
        { type: "merge" },
      );
      plan.decidedAt = decidedAt.getTime();
    }
  });
  return { loop, given };
}

/** One check task finished by the checker's loop. */
export interface FinishedCheck {
  task: string;
  dueAt: number;
  /** When its checklist was written Done. */
  doneAt?: number;
}

/**
 * Works through every check task of `namespace` after a random delay, as `worker` would by hand: every checklist
 * item Done with evidence attached. A conflict with the operator's writes is tried again on the next pass.
 */
export function completeCheckTasks(opts: {
  worker: { user: string; client: KubeClient };
  namespace: string;
  random: SeededRandom;
  delayMs: [number, number];
}): { loop: BackgroundLoop; finished: Map<string, FinishedCheck> } {
  const { worker, namespace, random } = opts;
  const finished = new Map<string, FinishedCheck>();
  const loop = runInBackground("checker", async () => {
    const tasks = await worker.client.list(resources.deploymentTask, { namespace });
    for (const task of tasks.items) {
      const name = task.metadata.name;
      let plan = finished.get(name);
      if (plan === undefined) {
        plan = { task: name, dueAt: Date.now() + random.between(...opts.delayMs) };
        finished.set(name, plan);
      }
      if (plan.doneAt !== undefined || Date.now() < plan.dueAt) continue;
      const spec = task.spec as { checklist?: Record<string, unknown>[] };
      const checklist = (spec.checklist ?? []).map((item) => ({
        ...item,
        state: "Done",
        // A report URL: the task webhook stamps who and when, and accepts https:// reports as evidence.
        evidence: { uri: `https://reports.example.com/${name}/${String(item.name)}` },
      }));
      try {
        await worker.client.update(resources.deploymentTask, { ...task, spec: { ...spec, checklist } });
      } catch (err) {
        if (isConflict(err)) continue;
        throw err;
      }
      plan.doneAt = Date.now();
    }
  });
  return { loop, finished };
}
