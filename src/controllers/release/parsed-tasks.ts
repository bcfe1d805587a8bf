import {
  DeploymentTaskSpec,
  DeploymentTaskStatus,
  type DeploymentTaskSpec as TaskSpec,
  type DeploymentTaskStatus as TaskStatus,
} from "../../api/v1alpha1/deployment-task.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { boundSpec, CREATOR_ANNOTATIONS } from "../task-creator.js";
import {
  ROLLBACK_ORIGIN_ANNOTATION,
  ROLLBACK_POLICY_ANNOTATION,
  ROLLBACK_SEAL_ANNOTATION,
} from "../rollback/seal.js";

/** A cached DeploymentTask as the Release controller reads it: its spec when valid, and its phase. */
export interface ParsedTask {
  spec: TaskSpec | undefined;
  phase: TaskStatus["phase"] | undefined;
}

/**
 * Parses of cached task versions. The informer replaces an object on every change and never edits one in place,
 * so one object is one version: its parse, and any verdict computed from it alone, never goes stale, and goes
 * with the version when the cache lets it go. A release with hundreds of tasks (alerts firing) re-reads each of
 * them in every pass of every environment; this keeps that to one parse per version (issue 12).
 */
const parses = new WeakMap<KubeObject, ParsedTask>();
const verdicts = new WeakMap<KubeObject, Map<string, boolean>>();
const memos = new WeakMap<KubeObject, Map<string, unknown>>();
const readings = new WeakMap<KubeObject, string>();

/** The spec (undefined when invalid) and phase of one cached task version, parsed once. */
export function parsedTask(obj: KubeObject): ParsedTask {
  let parsed = parses.get(obj);
  if (parsed === undefined) {
    const spec = DeploymentTaskSpec.safeParse(obj.spec);
    const status = DeploymentTaskStatus.safeParse(obj.status ?? {});
    parsed = {
      spec: spec.success ? spec.data : undefined,
      phase: status.success ? status.data.phase : undefined,
    };
    parses.set(obj, parsed);
  }
  return parsed;
}

/**
 * A verdict about one cached task version that depends on that version and on `context` only (everything else it
 * reads, spelled into the string), computed once per version and context.
 */
export function taskVerdict(obj: KubeObject, context: string, compute: () => boolean): boolean {
  let byContext = verdicts.get(obj);
  if (byContext === undefined) verdicts.set(obj, (byContext = new Map<string, boolean>()));
  let verdict = byContext.get(context);
  if (verdict === undefined) byContext.set(context, (verdict = compute()));
  return verdict;
}

/**
 * A value derived from one cached task version and `context` only (everything else it reads, spelled into the
 * string), computed once per version and context. The value is shared by every pass that asks: it must not be
 * changed (the Release controller's task views are frozen).
 */
export function taskMemo<T>(obj: KubeObject, context: string, compute: () => T): T {
  let byContext = memos.get(obj);
  if (byContext === undefined) memos.set(obj, (byContext = new Map<string, unknown>()));
  if (byContext.has(context)) return byContext.get(context) as T;
  const value = compute();
  byContext.set(context, value);
  return value;
}

/** The annotations the Release controller's judgement of a task reads: the rollback seal and the creator stamp. */
const READ_ANNOTATIONS: readonly string[] = [
  ROLLBACK_SEAL_ANNOTATION,
  ROLLBACK_ORIGIN_ANNOTATION,
  ROLLBACK_POLICY_ANNOTATION,
  ...CREATOR_ANNOTATIONS,
];

/**
 * Everything the Release controller reads of one task version, as one string: two versions with the same reading
 * give the same view of the task in every pass of its release (`tasksOf` in `gather.ts`: the spec's validity,
 * environment, type, alert, binding and release; the phase; whether it counts for a gate, from its binding and
 * owner references; the rollback evidence, from the seal and creator-stamp annotations, its name, generateName,
 * creation time and the spec fields the stamp binds). A write that changes none of these, such as the rollback
 * controller's notice (a log entry and its step annotation) or a status write that keeps the phase, cannot change
 * the release's decision, so it need not wake the release (issue 12: each alert's task is written three times).
 * Anything read of a task in `tasksOf` must be read here too; the unit test holds the two together.
 *
 * The phase is left out where the release's decision never reads it (`phaseRead`), so the first status of a new
 * Rollback task does not wake the release either: one pass per alert, at its creation.
 */
export function releaseReading(obj: KubeObject): string {
  let reading = readings.get(obj);
  if (reading === undefined) {
    const { spec, phase } = parsedTask(obj);
    const annotations = obj.metadata.annotations ?? {};
    reading = JSON.stringify([
      obj.metadata.namespace,
      obj.metadata.name,
      obj.metadata.generateName,
      obj.metadata.creationTimestamp,
      obj.metadata.ownerReferences ?? [],
      READ_ANNOTATIONS.map((a) => annotations[a] ?? null),
      boundSpec(obj.spec),
      spec === undefined
        ? null
        : [
            spec.environment,
            spec.type,
            spec.alert?.name ?? null,
            spec.binding ?? null,
            spec.releaseRef ?? null,
          ],
      phaseRead(spec) ? (phase ?? null) : "unread",
    ]);
    readings.set(obj, reading);
  }
  return reading;
}

/**
 * Whether the Release controller's decision reads a task's phase: only for the post-deployment verification it
 * follows (`verification` in `follow-delivery.ts`) and the checks that count for a gate (`countsForGate`, which
 * needs a binding: `environment-step.ts`). A Rollback task holds its environment whatever its phase
 * (`rollbackOf`), and an unbound task never counts for a gate. An unreadable spec keeps it (no view, but no claim).
 */
function phaseRead(spec: ParsedTask["spec"]): boolean {
  return spec === undefined || spec.binding !== undefined || spec.type === "PostDeployVerification";
}
