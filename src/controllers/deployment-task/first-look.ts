import type { InformerEvent } from "../../runtime/informer/informer.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { Informers } from "../informers.js";

/** Whether a task is a Rollback task: the kind the rollback controller records its first step on. */
function isRollbackTask(obj: KubeObject): boolean {
  return (obj.spec as { type?: unknown } | undefined)?.type === "Rollback";
}

/**
 * The order of the two controllers' first passes over a new Rollback task (ADR 0039): the rollback controller looks
 * first (and usually records its first step on the task: a log entry, which is a new generation), then hands the key
 * to the DeploymentTask controller, which writes the first status from the task as that step left it. Without this
 * order the DeploymentTask controller wrote a status for generation 1 and, a moment later, the same status again
 * only to stamp generation 2: one write per alert for nothing.
 *
 * Only the order changes, never what is written: a held key is handed over when the rollback pass ends, whatever it
 * did (nothing, a write, an error), and every key is queued again whenever the controllers start, so nothing waits
 * on memory a restart loses. It holds back only while a rollback controller is attached (see {@link attach}) and the
 * DeploymentTask controller runs (a standby replica holds nothing): the DeploymentTask controller alone queues every
 * task as it always did.
 */
export class FirstLook {
  private readonly held = new Set<string>();
  private attached = false;
  private handOver: ((key: string) => void) | undefined;

  /** Called by the rollback controller at its creation: it will look at new Rollback tasks first. */
  attach(): void {
    this.attached = true;
  }

  /** Called by the DeploymentTask controller at its creation: how a held key is handed back to it. */
  onHandOver(handOver: (key: string) => void): void {
    this.handOver = handOver;
  }

  /**
   * For the DeploymentTask controller's primary events: whether to leave this one to the rollback controller (a new
   * Rollback task, while one is attached); the key is remembered and handed over by {@link looked}.
   */
  holdBack(event: InformerEvent): boolean {
    if (!this.attached || event.type !== "added" || !isRollbackTask(event.object)) return false;
    this.held.add(objectKey(event.object));
    return true;
  }

  /** Called by the rollback controller when a pass over `key` ends, however it ended: hands a held key over. */
  looked(key: string): void {
    if (this.held.delete(key)) this.handOver?.(key);
  }

  /** How many keys wait for the rollback controller's first look (for tests). */
  get waiting(): number {
    return this.held.size;
  }
}

const shared = new WeakMap<Informers, FirstLook>();

/** The one {@link FirstLook} of the controllers built on these informers (they share the tasks cache). */
export function firstLookOf(informers: Informers): FirstLook {
  let found = shared.get(informers);
  if (found === undefined) {
    found = new FirstLook();
    shared.set(informers, found);
  }
  return found;
}
