import { reviewSelf } from "../../src/runtime/kube/self-review.js";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import type { AuditRecorder } from "../../src/audit/recorder.js";
import { REPORTING_CONTROLLER } from "../../src/cmd/run.js";
import type { ControllerDeps } from "../../src/controllers/deps.js";
import { createInformers, informerList, type Informers } from "../../src/controllers/informers.js";
import { realClock, type Clock } from "../../src/runtime/clock.js";
import type { Controller } from "../../src/runtime/controller.js";
import { EventRecorder } from "../../src/runtime/events.js";
import { createLogger, silentLogger } from "../../src/runtime/logging.js";
import { Manager } from "../../src/runtime/manager.js";
import { RuntimeMetrics } from "../../src/runtime/metrics.js";
import { clientFor } from "./kube.js";
import { testRollbackSeal } from "./rollback-seal.js";

const SYNC_TIMEOUT_MS = 30_000;

/** What {@link runControllers} runs and how. */
export interface RunControllersOptions {
  /** The identity the controllers act as; default `operator`, which has exactly config/rbac's permissions. */
  identity?: IdentityName;
  /** The one namespace the namespaced informers watch (cluster-scoped kinds are watched cluster-wide). */
  namespace: string;
  /** Builds the controllers under test from the shared dependencies and informers. */
  controllers: (deps: ControllerDeps, informers: Informers) => Controller[];
  audit: AuditRecorder;
  clock?: Clock;
}

/** Controllers running in this process against the test cluster. */
export interface RunningControllers {
  deps: ControllerDeps;
  informers: Informers;
  /** Stops the controllers and informers, waits for them to finish, and closes the client. */
  stop(): Promise<void>;
}

/**
 * Runs a set of controllers in-process, as `stagegate run` would (the same dependencies, informers and
 * manager) but without leader election, probes or metrics servers. Resolves once every informer has synced,
 * so the controllers are working. Periodic resync is off, so a test proves that watches alone wake the right
 * objects. Logs go nowhere unless `STAGEGATE_TEST_LOG` names a level (for example `debug`).
 */
export async function runControllers(options: RunControllersOptions): Promise<RunningControllers> {
  const client = await clientFor(options.identity ?? "operator");
  const level = process.env.STAGEGATE_TEST_LOG;
  const log =
    level === undefined || level === "" ? silentLogger : createLogger(level as "debug", process.stderr);
  const metrics = new RuntimeMetrics();
  const operator = (await reviewSelf(client)).username;
  const deps: ControllerDeps = {
    client,
    operatorIdentity: () => operator,
    log,
    metrics,
    events: new EventRecorder(client, REPORTING_CONTROLLER, "test", log),
    audit: options.audit,
    clock: options.clock ?? realClock,
    rollbackSeal: testRollbackSeal,
    workers: 2,
    informer: { namespace: options.namespace, resyncMs: 0, stallTimeoutMs: 90_000 },
  };
  const informers = createInformers(deps);
  const manager = new Manager({
    client,
    log,
    metrics,
    informers: informerList(informers),
    controllers: options.controllers(deps, informers),
  });
  const stopping = new AbortController();
  const running = manager.run(stopping.signal);
  const deadline = AbortSignal.any([stopping.signal, AbortSignal.timeout(SYNC_TIMEOUT_MS)]);
  try {
    await Promise.race([Promise.all(informerList(informers).map((i) => i.waitForSync(deadline))), running]);
    if (!informerList(informers).every((i) => i.hasSynced())) {
      throw new Error(
        `Not every informer synced within ${SYNC_TIMEOUT_MS} ms: can ${options.identity ?? "operator"} list ` +
          "and watch every Stagegate kind?",
      );
    }
  } catch (err) {
    stopping.abort();
    await running.catch(() => undefined);
    client.close();
    throw err;
  }
  return {
    deps,
    informers,
    stop: async () => {
      stopping.abort();
      await running;
      client.close();
    },
  };
}
