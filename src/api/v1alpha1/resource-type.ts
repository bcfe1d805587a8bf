import type { ResourceType } from "../../runtime/kube/resource.js";
import { GROUP, VERSION } from "./group.js";
import type { KindDefinition } from "./kind-definition.js";

/** The API resource that serves a Stagegate kind: one definition for the operator and the CLI alike. */
export function resourceOf(kind: KindDefinition): ResourceType {
  return {
    group: GROUP,
    version: VERSION,
    plural: kind.plural,
    kind: kind.kind,
    namespaced: kind.scope === "Namespaced",
  };
}
