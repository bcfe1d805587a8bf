import { GROUP, VERSION } from "../api/v1alpha1/group.js";
import type { KindDefinition } from "../api/v1alpha1/kind-definition.js";
import { deploymentTaskKind } from "../api/v1alpha1/deployment-task.js";
import { environmentKind } from "../api/v1alpha1/environment.js";
import type { ResourceType } from "../runtime/kube/resource.js";

/** The API resource that serves a Stagegate kind. */
export function resourceOf(kind: KindDefinition): ResourceType {
  return {
    group: GROUP,
    version: VERSION,
    plural: kind.plural,
    kind: kind.kind,
    namespaced: kind.scope === "Namespaced",
  };
}

/** Resources of the kinds the operator reconciles today. */
export const resources = {
  deploymentTask: resourceOf(deploymentTaskKind),
  environment: resourceOf(environmentKind),
} as const;
