// The names of the children Stagegate opens for a release's gates, computed from the Release as the API server
// stores it, exactly as the operator names them (the names carry a hash of the gate's binding).
import { ReleaseSpec } from "../../src/api/v1alpha1/release.js";
import { changeRequestNameOf, checkTaskNameOf } from "../../src/controllers/release/names.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { resources } from "../../src/controllers/resources.js";

/** The gate children's names of one release. */
export interface GateNames {
  /** The ChangeRequest of the `promotion`th promotion into `environment` (1 for the first). */
  change(environment: string, promotion?: number): string;
  /** The check task of `check` in `environment`. */
  check(environment: string, check: string): string;
}

/** Reads the Release and returns the names Stagegate gives its gate children. */
export async function gateNames(client: KubeClient, namespace: string, release: string): Promise<GateNames> {
  const obj = await client.get(resources.release, release, namespace);
  const named = { name: release, spec: ReleaseSpec.parse(obj.spec) };
  return {
    change: (environment, promotion = 1) => changeRequestNameOf(named, environment, promotion),
    check: (environment, check) => checkTaskNameOf(named, environment, check),
  };
}
