import { Gauge } from "prom-client";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { TerminalError } from "../../runtime/errors.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { objectKey } from "../../runtime/kube/object.js";
import { markStalled } from "../../runtime/stalled.js";
import { updateStatus } from "../../runtime/status-writer.js";
import { taskItemAudit } from "./item-audit.js";
import { taskHandoverAudit } from "./handover-audit.js";
import type { TaskEscalation } from "../../api/v1alpha1/escalation.js";
import { ReleaseSpec } from "../../api/v1alpha1/release.js";
import type { EscalationRoles } from "../../policy/escalation.js";
import { NAMESPACE_TEAM_LABEL, currentOwners, expandOwners, rolesFor } from "../../policy/task-ownership.js";
import { teamRoleBindingSpecs } from "../../api/v1alpha1/team-role-binding.js";
import { escalationAudit } from "./escalation-record.js";
import { chainFor } from "../../policy/escalation-chain.js";
import { escalationCounter } from "../escalation-metrics.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { describeZodError } from "../validation.js";
import { cycleThrough, findCycles } from "./cycles.js";
import { decideTask, type TaskDecision } from "./decide.js";
import type { DependencyState } from "./dependencies.js";
import { deriveTaskPhase } from "./phase.js";
import { assessAccountability, withAccountability } from "./accountability.js";
import { firstLookOf } from "./first-look.js";

const DEPENDS_ON = "dependsOn";
const ENVIRONMENT = "environment";
const RELEASE = "release";

/** The cache key of the Release a task names (`namespace/name`), if it names one. */
function releaseKeys(obj: KubeObject): string[] {
  const name = (obj.spec as { releaseRef?: { name?: unknown } } | undefined)?.releaseRef?.name;
  return typeof name === "string" ? [`${obj.metadata.namespace ?? ""}/${name}`] : [];
}

/** Tasks' dependsOn targets as cache keys, so a change to X wakes exactly the tasks that wait for X. */
function dependsOnKeys(obj: KubeObject): string[] {
  const parsed = DeploymentTaskSpec.shape.dependsOn.safeParse(
    (obj.spec as { dependsOn?: unknown } | undefined)?.dependsOn,
  );
  const ns = obj.metadata.namespace ?? "";
  return parsed.success ? parsed.data.map((name) => `${ns}/${name}`) : [];
}

/**
 * The DeploymentTask controller: works out whether each task is blocked, ready, done, failed or cancelled,
 * whether it is overdue (waking at exactly its due time), reports dependency cycles as Stalled, and says on
 * the Accountable condition when a task has no owners or names a Release that does not exist.
 */
export function createDeploymentTaskController(deps: ControllerDeps, informers: Informers): Controller {
  const tasks = informers.deploymentTasks;
  const rt = resources.deploymentTask;
  tasks.store.addIndex(DEPENDS_ON, dependsOnKeys);
  tasks.store.addIndex(ENVIRONMENT, (obj) => {
    const environment = (obj.spec as { environment?: unknown } | undefined)?.environment;
    return typeof environment === "string" ? [environment] : [];
  });
  tasks.store.addIndex(RELEASE, releaseKeys);
  registerOverdueGauge(deps, informers);
  const escalations = escalationCounter(deps);
  const firstLook = firstLookOf(informers);

  /**
   * Returns the cycle through `name`, if any, from the part of the namespace's dependsOn graph reachable from it
   * (every task on a cycle through `name` is reachable from it, so nothing is lost): a task without dependencies
   * costs nothing, and a namespace with thousands of unrelated tasks does not make each reconcile walk them all.
   */
  function cycleOf(namespace: string, name: string): string[] | undefined {
    const graph = new Map<string, string[]>();
    const pending = [name];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (graph.has(next)) continue;
      const obj = tasks.store.get(`${namespace}/${next}`);
      if (obj === undefined) continue;
      const edges = dependsOnKeys(obj).map((key) => key.slice(namespace.length + 1));
      graph.set(next, edges);
      pending.push(...edges);
    }
    return cycleThrough(findCycles(graph), name);
  }

  /** Every task that depends on `key`, directly or through others (keys), found through the dependsOn index. */
  function transitiveDependents(key: string): string[] {
    const seen = new Set<string>();
    const pending = [key];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (const dependent of tasks.store.byIndex(DEPENDS_ON, next)) {
        const dependentKey = objectKey(dependent);
        if (seen.has(dependentKey)) continue;
        seen.add(dependentKey);
        pending.push(dependentKey);
      }
    }
    return [...seen];
  }

  function dependencyStates(namespace: string, names: string[]): Map<string, DependencyState> {
    const states = new Map<string, DependencyState>();
    for (const name of names) {
      const dep = tasks.store.get(`${namespace}/${name}`);
      if (dep === undefined) continue;
      const status = DeploymentTaskStatus.safeParse(dep.status ?? {});
      states.set(name, {
        exists: true,
        phase: status.success ? deriveTaskPhase(status.data.conditions) : undefined,
      });
    }
    return states;
  }

  /** The Environment's escalation chain for the task (by its owning roles, then its type), with its roles. */
  function escalationOf(
    namespace: string,
    spec: DeploymentTaskSpec,
    labels: Readonly<Record<string, string>> | undefined,
  ): { chain: TaskEscalation; roles: EscalationRoles } | undefined {
    if (spec.environment === undefined) return undefined;
    const env = EnvironmentSpec.safeParse(informers.environments.store.get(spec.environment)?.spec);
    if (!env.success) return undefined;
    const chain = chainFor(env.data.escalation?.tasks ?? [], spec.type, spec.owners);
    if (chain === undefined) return undefined;
    // A team's roles: its TeamRoleBindings and its namespace's team label, both written by administrators only.
    const bindings = teamRoleBindingSpecs(informers.teamRoleBindings.store.list());
    const placeOf = (environment: string) => ({
      environment,
      namespace,
      labels,
      namespaceTeam: informers.namespaces.store.get(namespace)?.metadata.labels?.[NAMESPACE_TEAM_LABEL],
    });
    const release =
      spec.releaseRef === undefined
        ? undefined
        : ReleaseSpec.safeParse(informers.releases.store.get(`${namespace}/${spec.releaseRef.name}`)?.spec);
    return {
      chain,
      roles: {
        // An acknowledged task's owners know it is late: the levels after that notify them no more (ADR 0049).
        owners:
          spec.acknowledgement === undefined
            ? expandOwners(currentOwners(spec), rolesFor(env.data, placeOf(spec.environment), bindings))
            : [],
        releaseManager: release?.success === true ? release.data.owners.releaseManager : undefined,
        cabGroup: env.data.gate.cabGroup,
      },
    };
  }

  function environmentSla(environment: string | undefined): string | undefined {
    if (environment === undefined) return undefined;
    const env = informers.environments.store.get(environment);
    const spec = EnvironmentSpec.safeParse(env?.spec);
    return spec.success ? spec.data.taskSLA : undefined;
  }

  /** Decides the status of a task from one copy of it (the cached one, or a fresh read after a conflict). */
  function decideFrom(current: KubeObject, now: Date): TaskDecision {
    const namespace = current.metadata.namespace ?? "";
    const spec = DeploymentTaskSpec.safeParse(current.spec);
    if (!spec.success) throw new TerminalError("InvalidSpec", describeZodError("spec", spec.error));
    const previous = DeploymentTaskStatus.safeParse(current.status ?? {});
    const [releaseKey] = releaseKeys(current);
    const accountability = assessAccountability({
      namespace,
      spec: spec.data,
      releaseExists:
        releaseKey === undefined ? undefined : informers.releases.store.get(releaseKey) !== undefined,
    });
    const decision = decideTask(
      {
        task: {
          metadata: current.metadata,
          spec: spec.data,
          status: previous.success ? previous.data : undefined,
        },
        dependencies: dependencyStates(namespace, spec.data.dependsOn),
        cycle: cycleOf(namespace, current.metadata.name),
        environmentTaskSla: environmentSla(spec.data.environment),
        escalation: escalationOf(namespace, spec.data, current.metadata.labels),
      },
      now,
    );
    return withAccountability(decision, accountability, current.metadata.generation, now);
  }

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const obj = tasks.store.get(req.key);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) return {};
    const now = deps.clock.now();
    const { written, decision } = await updateStatus(
      deps.client,
      rt,
      obj,
      (current) => decideFrom(current, now),
      { signal: req.signal },
      // People's edits go on record before the status that observes them (ADR 0031): each pass after a spec
      // change re-derives them, and the store keeps one entry per edit.
      async (decision, current) => {
        // An escalation level reached is on record (once: its transition is the task and the level) before the
        // status that stores it; a pass after a failed write decides the same level and the trail keeps one entry.
        for (const step of decision.escalated) await deps.audit.record(escalationAudit(current, step));
        const status = DeploymentTaskStatus.safeParse(current.status ?? {});
        const observed = status.success ? status.data.observedGeneration : undefined;
        if (observed !== undefined && observed === current.metadata.generation) return;
        const spec = DeploymentTaskSpec.safeParse(current.spec);
        if (!spec.success) return;
        const stored = { metadata: current.metadata, spec: spec.data };
        for (const entry of [...taskItemAudit(stored), ...taskHandoverAudit(stored)]) {
          await deps.audit.record(entry);
        }
      },
    );
    if (written) {
      req.log.debug({ phase: decision.status.phase }, "Updated task status");
      for (const step of decision.escalated) escalations.inc({ kind: "task", level: String(step.level) });
      for (const event of decision.events) await deps.events.record(rt, obj, event, { signal: req.signal });
    }
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  }

  const controller = new Controller(
    {
      name: "deploymenttask",
      primary: tasks,
      // A new Rollback task is the rollback controller's to look at first: its first step is then in the first
      // status this controller writes, instead of a second status write for its generation (ADR 0039).
      holdBack: (event) => firstLook.holdBack(event),
      workers: deps.workers,
      reconcile,
      watches: [
        {
          informer: tasks,
          toKeys: (event) => {
            // A new edge can close (or a removed one break) a cycle only through this task, and every task on
            // such a cycle depends on it transitively: wake those. Otherwise only its direct dependents care.
            const edges = dependsOnKeys(event.object).join();
            const edgesChanged =
              ((event.type === "added" || event.type === "deleted") && edges !== "") ||
              (event.type === "updated" && edges !== (event.old ? dependsOnKeys(event.old).join() : ""));
            const key = objectKey(event.object);
            return edgesChanged
              ? transitiveDependents(key)
              : tasks.store.byIndex(DEPENDS_ON, key).map(objectKey);
          },
        },
        {
          informer: informers.environments,
          toKeys: (event) => tasks.store.byIndex(ENVIRONMENT, event.object.metadata.name).map(objectKey),
        },
        {
          // A Release created or deleted changes whether the tasks naming it are Accountable.
          informer: informers.releases,
          toKeys: (event) =>
            event.type === "updated"
              ? []
              : tasks.store.byIndex(RELEASE, objectKey(event.object)).map(objectKey),
        },
      ],
      onTerminalError: async (req, err) => {
        const obj = tasks.store.get(req.key);
        if (obj !== undefined) await markStalled(deps, rt, obj, err, { signal: req.signal });
      },
    },
    deps.log,
    deps.metrics,
  );
  firstLook.onHandOver((key) => controller.enqueue(key));
  return controller;
}

/** `stagegate_deploymenttasks_overdue{namespace,type}`, computed from the cache at scrape time. */
function registerOverdueGauge(deps: ControllerDeps, informers: Informers): void {
  new Gauge({
    name: "stagegate_deploymenttasks_overdue",
    help: "DeploymentTasks past their due time and not finished, by namespace and type",
    labelNames: ["namespace", "type"],
    registers: [deps.metrics.registry],
    collect() {
      this.reset();
      for (const obj of informers.deploymentTasks.store.list()) {
        const status = DeploymentTaskStatus.safeParse(obj.status ?? {});
        const overdue =
          status.success && status.data.conditions?.some((c) => c.type === "Overdue" && c.status === "True");
        if (overdue !== true) continue;
        const type = (obj.spec as { type?: unknown } | undefined)?.type;
        this.inc({ namespace: obj.metadata.namespace ?? "", type: typeof type === "string" ? type : "" });
      }
    },
  });
}
