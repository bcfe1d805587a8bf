import { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { conflictConditions, partyKey } from "../../calendar/conflict-condition.js";
import { detectConflicts } from "../../calendar/conflicts.js";
import type { CalendarInputs, CalendarTask, PlannedChange } from "../../calendar/inputs.js";
import type { ConditionUpdate } from "../../runtime/conditions.js";
import type { Informer } from "../../runtime/informer/informer.js";
import type { InformerEvent } from "../../runtime/informer/types.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { Informers } from "../informers.js";

/**
 * The schedule conflicts of everything in the operator's caches, as the ScheduleConflict condition each object
 * should carry, keyed "Kind/namespace/name". Rebuilt (one sweep, O(n log n)) only after one of the caches it reads
 * changed, however many objects are reconciled in between.
 */
export class ScheduleIndex {
  private version = 0;
  private builtVersion = -1;
  private conditions = new Map<string, ConditionUpdate>();
  private readonly fingerprints = new Map<string, string>();

  constructor(
    private readonly informers: Pick<
      Informers,
      "changeRequests" | "deploymentTasks" | "environments" | "namespaces"
    >,
    private readonly operatorIdentity: () => string = () => "",
  ) {
    const sources: [string, Informer][] = [
      ["ChangeRequest", informers.changeRequests],
      ["DeploymentTask", informers.deploymentTasks],
      ["Environment", informers.environments],
      ["Namespace", informers.namespaces],
    ];
    // O(1) per event, inside the informer: note whether what the calendar reads changed (a status write of a
    // condition, ours included, does not), and leave the sweep to a reconcile.
    for (const [kind, informer] of sources) informer.subscribe((event) => this.observe(kind, event));
  }

  /** Bumped whenever a field the conflicts depend on changed; equal versions mean equal conflicts. */
  get inputsVersion(): number {
    return this.version;
  }

  private observe(kind: string, event: InformerEvent): void {
    const key = `${kind}/${objectKey(event.object)}`;
    if (event.type === "deleted") {
      // Always a change: the object may have been cached before this index listened.
      this.fingerprints.delete(key);
      this.version += 1;
      return;
    }
    const print = fingerprint(kind, event.object);
    if (this.fingerprints.get(key) !== print) {
      this.fingerprints.set(key, print);
      this.version += 1;
    }
  }

  /** The condition an object should carry: True with the conflict, or undefined when nothing clashes. */
  desired(
    kind: "ChangeRequest" | "DeploymentTask",
    namespace: string,
    name: string,
  ): ConditionUpdate | undefined {
    if (this.builtVersion !== this.version) this.rebuild();
    return this.conditions.get(partyKey({ kind, namespace, name }));
  }

  private rebuild(): void {
    const version = this.version;
    const inputs = { ...readInputs(this.informers), operatorIdentity: this.operatorIdentity() };
    this.conditions = conflictConditions(detectConflicts(inputs));
    this.builtVersion = version;
  }
}

/** The fields of an object the conflicts read, as one string; conditions and other status fields are left out. */
function fingerprint(kind: string, obj: KubeObject): string {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  switch (kind) {
    case "ChangeRequest":
      return JSON.stringify([spec, status.resolution, status.closedAt]);
    case "DeploymentTask":
      return JSON.stringify([
        spec.releaseRef,
        spec.environment,
        spec.dueAt,
        spec.cancelled,
        status.dueAt,
        status.completedAt,
      ]);
    case "Environment":
      return JSON.stringify(spec.gate ?? null);
    default:
      return JSON.stringify(obj.metadata.labels ?? {});
  }
}

/**
 * Each cached object as the calendar reads it, by the object itself (null: its spec does not parse). The caches
 * replace an object when it changes and never edit one, so an object's parse never changes, and a sweep parses only
 * the objects that changed since the last one: every new Rollback task of an alert burst made the sweep parse every
 * task again, a third of the operator's CPU with 10 alerts in flight (issue 12, ADR 0054). Weak: an object the cache
 * dropped takes its parse with it.
 */
function memoized<T>(parse: (obj: KubeObject) => T | null): (obj: KubeObject) => T | null {
  const parsed = new WeakMap<KubeObject, T | null>();
  return (obj) => {
    if (parsed.has(obj)) return parsed.get(obj) ?? null;
    const value = parse(obj);
    parsed.set(obj, value);
    return value;
  };
}

const changeOf = memoized((obj): PlannedChange | null => {
  const spec = ChangeRequestSpec.safeParse(obj.spec);
  if (!spec.success) return null;
  const status = ChangeRequestStatus.safeParse(obj.status ?? {});
  return { metadata: obj.metadata, spec: spec.data, status: status.success ? status.data : undefined };
});

const taskOf = memoized((obj): CalendarTask | null => {
  const spec = DeploymentTaskSpec.safeParse(obj.spec);
  if (!spec.success) return null;
  const status = DeploymentTaskStatus.safeParse(obj.status ?? {});
  return { metadata: obj.metadata, spec: spec.data, status: status.success ? status.data : undefined };
});

const environmentOf = memoized((obj): CalendarInputs["environments"][number] | null => {
  const spec = EnvironmentSpec.safeParse(obj.spec);
  return spec.success ? { metadata: obj.metadata, spec: { gate: spec.data.gate } } : null;
});

/** The calendar inputs in the caches; an object whose spec does not parse is left out (its controller reports it). */
export function readInputs(
  informers: Pick<Informers, "changeRequests" | "deploymentTasks" | "environments" | "namespaces">,
): CalendarInputs {
  const parsed = <T>(objects: readonly KubeObject[], parse: (obj: KubeObject) => T | null): T[] =>
    objects.flatMap((obj) => {
      const value = parse(obj);
      return value === null ? [] : [value];
    });
  const namespaceLabels = new Map(
    informers.namespaces.store.list().map((ns) => [ns.metadata.name, ns.metadata.labels ?? {}] as const),
  );
  return {
    changes: parsed(informers.changeRequests.store.list(), changeOf),
    tasks: parsed(informers.deploymentTasks.store.list(), taskOf),
    environments: parsed(informers.environments.store.list(), environmentOf),
    namespaceLabels,
  };
}
