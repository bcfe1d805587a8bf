import type { Informers } from "../controllers/informers.js";
import { decideRollback, restsOnTheCache } from "../controllers/rollback/decide.js";
import { gatherRollback } from "../controllers/rollback/gather.js";
import type { RollbackSeal } from "../controllers/rollback/seal.js";
import { withStep, type TaskBodyFields } from "../controllers/rollback/step-record.js";
import type { Clock } from "../runtime/clock.js";
import type { EventRecorder, EventSpec } from "../runtime/events.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { checkedKubeObject } from "../runtime/kube/object.js";
import type { Logger } from "../runtime/logging.js";

/**
 * What the receiver needs to record the rollback controller's Manual notice with the task it creates (ADR 0067): the
 * caches and the clock the controller decides from, and the recorder of the notice's Event.
 */
export interface AlertNoticeDeps {
  informers: Informers;
  clock: Clock;
  events: Pick<EventRecorder, "record">;
}

/** A task body to create, and the Events to record about the task once this body created it. */
export interface NoticedTask<T extends TaskBodyFields> {
  body: T;
  events: EventSpec[];
}

/** The caches the rollback controller's gather reads; the notice is decided only once each has been read whole. */
function cachesSynced(informers: Informers): boolean {
  return [
    informers.releases,
    informers.environments,
    informers.argoCDApplications,
    informers.fluxKustomizations,
    informers.fluxHelmReleases,
  ].every((informer) => informer.hasSynced());
}

/**
 * The planned Rollback task with the rollback controller's first step on it, when that step is the Manual notice:
 * the controller's own cached gather and decision (`gatherRollback` from the caches, `decideRollback`) are run on
 * the planned object, and a decision that `restsOnTheCache` (the notice: it writes the task alone and records no
 * audit entry) is recorded onto it as the controller's patch would record it (`withStep`), with its Events to record
 * once the task is created. The controller then finds the step recorded and skips. Anything else (another policy,
 * another step, a cache not read whole yet, a task the gather cannot read, an error) leaves the body as planned and
 * the step to the controller, as before. Never throws.
 */
export async function withManualNotice<T extends TaskBodyFields>(
  deps: AlertNoticeDeps & { client: KubeClient; seal: RollbackSeal; log: Logger },
  planned: T,
): Promise<NoticedTask<T>> {
  const plain = { body: planned, events: [] };
  try {
    if (!cachesSynced(deps.informers)) return plain;
    const task = checkedKubeObject(planned);
    const { client, informers, clock, seal } = deps;
    const gathered = await gatherRollback(
      { client, informers, clock, rollbackSeal: seal },
      task,
      {},
      "cache",
    );
    if (gathered === undefined) return plain;
    const decision = decideRollback(gathered.input, deps.clock.now());
    if (!restsOnTheCache(decision) || decision.record === undefined) return plain;
    return { body: withStep(planned, decision.record), events: decision.events };
  } catch (err) {
    deps.log.warn(
      { name: planned.metadata.name, err: (err as Error).message },
      "Left the rollback notice of a new Rollback task to the rollback controller: deciding it failed",
    );
    return plain;
  }
}
