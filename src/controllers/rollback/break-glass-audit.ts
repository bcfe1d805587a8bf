import { transitionId, type AuditRecorder } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { BreakGlassChange } from "./break-glass.js";

/**
 * `BreakGlassRollback`: the Rollback task passes a release freeze on the authority of the emergency change it
 * opened. One transition per task and change (`DeploymentTask/<task uid>/BreakGlassRollback/<change uid>`), so
 * every pass that finds the change records it, and the store keeps the first (ADR 0031).
 */
export async function recordBreakGlass(
  deps: { audit: AuditRecorder },
  task: KubeObject,
  release: string,
  breakGlass: BreakGlassChange,
  change: KubeObject,
): Promise<void> {
  const { uid, namespace, name } = task.metadata;
  const changeUid = change.metadata.uid;
  await deps.audit.record({
    actor: "stagegate-operator",
    action: "BreakGlassRollback",
    object: {
      kind: "DeploymentTask",
      namespace: namespace ?? "",
      name,
      ...(uid === undefined ? {} : { uid }),
    },
    details: {
      changeRequest: breakGlass.name,
      release,
      environment: breakGlass.spec.environment,
      freezes: breakGlass.freezes,
      revision: breakGlass.spec.artifacts[0]?.revision,
    },
    ...(uid === undefined || changeUid === undefined
      ? {}
      : { transition: transitionId("DeploymentTask", uid, "BreakGlassRollback", changeUid) }),
  });
}
