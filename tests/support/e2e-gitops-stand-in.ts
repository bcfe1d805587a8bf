// Plays the Argo CD application controller and Flux's kustomize- and helm-controller for one namespace in tests:
// a loop that completes every sync or reconciliation Stagegate requested, through the driver's functions, so the
// operator moves on without the test feeding it each step. A test holds a delivery object back when it wants to
// control the timing itself (a sync that fails, a lock that must stay taken).
import { setTimeout as sleep } from "node:timers/promises";
import { deliveryResources } from "../../src/controllers/resources.js";
import { fluxGitRepository } from "../../src/gitops/flux.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import {
  argoSyncs,
  fluxHelmReleases,
  fluxReconciles,
  pendingStagegateReconcile,
  pendingStagegateSync,
} from "./gitops-driver.js";

/** The running stand-in. */
export interface GitOpsStandIn {
  /** Leaves requests on this Application or Kustomization (by name) alone until {@link GitOpsStandIn.release}. */
  hold(name: string): void;
  /** Lets the stand-in complete requests on a held object again. */
  release(name: string): void;
  /**
   * What the stand-in did, in order: `argo <app> <revision>`, `flux <kustomization> <sha>` or
   * `helm <helmrelease> <chart version>`.
   */
  readonly completed: readonly string[];
  /** The last error a pass met (retried on the next pass), for failure messages. */
  lastError(): string | undefined;
  /** Ends the loop and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts polling the Applications, Kustomizations and HelmReleases of `namespace`: a sync operation Stagegate
 * initiated is completed (Synced, Healthy, a history entry), a reconciliation Stagegate requested of a Kustomization
 * is applied at the commit its GitRepository is pinned to, as kustomize-controller would apply what
 * source-controller fetched, and one of a HelmRelease upgrades it to the chart version its spec pins. Errors are
 * kept and the next pass tries again.
 */
export function startGitOpsStandIn(
  client: KubeClient,
  namespace: string,
  { pollMs = 100, held = [] }: { pollMs?: number; held?: readonly string[] } = {},
): GitOpsStandIn {
  const abort = new AbortController();
  const holds = new Set(held);
  const completed: string[] = [];
  let lastError: string | undefined;

  async function syncApplications(): Promise<void> {
    const { items } = await client.list(deliveryResources.argoCDApplication, { namespace });
    for (const app of items) {
      const revision = pendingStagegateSync(app);
      if (revision === undefined || holds.has(app.metadata.name)) continue;
      await argoSyncs(client, { name: app.metadata.name, namespace }, { revision });
      completed.push(`argo ${app.metadata.name} ${revision}`);
    }
  }

  async function reconcileKustomizations(): Promise<void> {
    const { items } = await client.list(deliveryResources.fluxKustomization, { namespace });
    for (const ks of items) {
      if (pendingStagegateReconcile(ks) === undefined || holds.has(ks.metadata.name)) continue;
      const sha = await pinnedCommit(client, ks);
      if (sha === undefined) continue;
      await fluxReconciles(client, { name: ks.metadata.name, namespace }, sha);
      completed.push(`flux ${ks.metadata.name} ${sha}`);
    }
  }

  async function upgradeHelmReleases(): Promise<void> {
    const { items } = await client.list(deliveryResources.fluxHelmRelease, { namespace });
    for (const hr of items) {
      if (pendingStagegateReconcile(hr) === undefined || holds.has(hr.metadata.name)) continue;
      const version = (hr.spec as { chart?: { spec?: { version?: string } } }).chart?.spec?.version;
      if (version === undefined) continue;
      await fluxHelmReleases(client, { name: hr.metadata.name, namespace }, version);
      completed.push(`helm ${hr.metadata.name} ${version}`);
    }
  }

  async function loop(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        await syncApplications();
        await reconcileKustomizations();
        await upgradeHelmReleases();
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(pollMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  }

  const running = loop();
  return {
    hold: (name) => holds.add(name),
    release: (name) => holds.delete(name),
    completed,
    lastError: () => lastError,
    async stop() {
      abort.abort();
      await running;
    },
  };
}

/** The commit the Kustomization's source GitRepository is pinned to; undefined when none is (yet). */
async function pinnedCommit(client: KubeClient, ks: KubeObject): Promise<string | undefined> {
  const source = (ks.spec as { sourceRef?: { kind?: string; name?: string; namespace?: string } }).sourceRef;
  if (source?.kind !== "GitRepository" || source.name === undefined) return undefined;
  try {
    const repo = await client.get(fluxGitRepository, source.name, source.namespace ?? ks.metadata.namespace);
    return (repo.spec as { ref?: { commit?: string } }).ref?.commit;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
