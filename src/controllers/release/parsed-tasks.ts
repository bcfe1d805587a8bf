import {
  DeploymentTaskSpec,
  DeploymentTaskStatus,
  type DeploymentTaskSpec as TaskSpec,
  type DeploymentTaskStatus as TaskStatus,
} from "../../api/v1alpha1/deployment-task.js";
import type { KubeObject } from "../../runtime/kube/object.js";

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
