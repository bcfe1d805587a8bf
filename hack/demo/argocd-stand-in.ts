// The demo's stand-in for the Argo CD application controller. No Argo CD runs in the demo's cluster (only its
// Application CRD is installed), so this loop completes every sync operation Stagegate requests, writing the
// Application's status exactly as Argo CD does through the test driver (tests/support/gitops-driver.ts).
import { setTimeout as sleep } from "node:timers/promises";
import { ARGOCD_INITIATOR } from "../../src/gitops/argocd.js";
import { deliveryResources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { argoSyncs } from "../../tests/support/gitops-driver.js";

/** The running stand-in; `stop` ends the loop and waits for it. */
export interface ArgoCDStandIn {
  stop(): Promise<void>;
}

/** How the stand-in runs: where it looks, how long a sync "takes", and where it says what it did. */
export interface StandInOptions {
  namespace: string;
  /** How long a requested sync stays in progress before the stand-in completes it (so Deploying shows). */
  syncMs: number;
  pollMs: number;
  say: (line: string) => void;
}

const PREFIX = "[Argo CD stand-in]";

/** The revision of a pending sync operation Stagegate initiated; undefined for anything else. */
function stagegateSync(app: KubeObject): string | undefined {
  const operation = app.operation as
    { sync?: { revision?: unknown }; initiatedBy?: { username?: unknown } } | undefined;
  const revision = operation?.sync?.revision;
  return operation?.initiatedBy?.username === ARGOCD_INITIATOR && typeof revision === "string"
    ? revision
    : undefined;
}

/**
 * Starts polling the Applications of one namespace: a sync Stagegate requested is reported when first
 * seen and completed (Synced, Healthy, operation cleared, a history entry) `syncMs` later. Errors are
 * reported and the next poll tries again, so a slow API server does not end the demo.
 */
export function startArgoCDStandIn(client: KubeClient, options: StandInOptions): ArgoCDStandIn {
  const abort = new AbortController();
  const seen = new Map<string, number>();
  options.say(
    `${PREFIX} Watching Applications in ${options.namespace}; it plays the Argo CD controller here.`,
  );

  async function pass(): Promise<void> {
    const { items } = await client.list(deliveryResources.argoCDApplication, {
      namespace: options.namespace,
      signal: abort.signal,
    });
    for (const app of items) {
      const revision = stagegateSync(app);
      if (revision === undefined) continue;
      const ref = { name: app.metadata.name, namespace: options.namespace };
      const key = `${app.metadata.name}@${revision}`;
      const since = seen.get(key);
      if (since === undefined) {
        seen.set(key, Date.now());
        options.say(
          `${PREFIX} ${app.metadata.name}: syncing to ${revision.slice(0, 7)} as stagegate asked...`,
        );
      } else if (Date.now() - since >= options.syncMs) {
        await argoSyncs(client, ref, { revision });
        seen.delete(key);
        options.say(`${PREFIX} ${app.metadata.name}: synced ${revision.slice(0, 7)}; Synced and Healthy.`);
      }
    }
  }

  async function loop(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        await pass();
      } catch (err) {
        if (abort.signal.aborted) return;
        options.say(`${PREFIX} Could not complete a sync (${(err as Error).message}); trying again.`);
      }
      await sleep(options.pollMs, undefined, { signal: abort.signal }).catch((err: unknown) => {
        if (!abort.signal.aborted) throw err;
      });
    }
  }

  const running = loop();
  return {
    async stop() {
      abort.abort();
      await running;
    },
  };
}
