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

/** The calendar inputs in the caches; an object whose spec does not parse is left out (its controller reports it). */
export function readInputs(
  informers: Pick<Informers, "changeRequests" | "deploymentTasks" | "environments" | "namespaces">,
): CalendarInputs {
  const changes: PlannedChange[] = [];
  for (const obj of informers.changeRequests.store.list()) {
    const spec = ChangeRequestSpec.safeParse(obj.spec);
    const status = ChangeRequestStatus.safeParse(obj.status ?? {});
    if (spec.success)
      changes.push({
        metadata: obj.metadata,
        spec: spec.data,
        status: status.success ? status.data : undefined,
      });
  }
  const tasks: CalendarTask[] = [];
  for (const obj of informers.deploymentTasks.store.list()) {
    const spec = DeploymentTaskSpec.safeParse(obj.spec);
    const status = DeploymentTaskStatus.safeParse(obj.status ?? {});
    if (spec.success)
      tasks.push({
        metadata: obj.metadata,
        spec: spec.data,
        status: status.success ? status.data : undefined,
      });
  }
  const environments = informers.environments.store.list().flatMap((obj) => {
    const spec = EnvironmentSpec.safeParse(obj.spec);
    return spec.success ? [{ metadata: obj.metadata, spec: { gate: spec.data.gate } }] : [];
  });
  const namespaceLabels = new Map(
    informers.namespaces.store.list().map((ns) => [ns.metadata.name, ns.metadata.labels ?? {}] as const),
  );
  return { changes, tasks, environments, namespaceLabels };
}
