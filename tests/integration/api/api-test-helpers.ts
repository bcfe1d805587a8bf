import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { IdentityName } from "../../../hack/local-cluster/index.js";
import { ALL_KINDS } from "../../../src/api/v1alpha1/kinds.js";
import { GROUP } from "../../../src/api/v1alpha1/group.js";
import { kubectl } from "../../support/cluster.js";
import { clientFor } from "../../support/kube.js";
import { bindTeamRoles } from "../../support/team-rbac.js";

/** The repository's generated CRD directory, applied by every API integration test file. */
export const CRD_DIR = fileURLToPath(new URL("../../../crds/", import.meta.url));

/** The repository's sample manifests. */
export const SAMPLES_DIR = fileURLToPath(new URL("../../../config/samples/", import.meta.url));

/** The CRD object names of every Stagegate kind, e.g. `releases.stagegate.io`. */
export const CRD_NAMES = ALL_KINDS.map((definition) => `${definition.plural}.${GROUP}`);

/** Runs kubectl and throws with its stderr when it fails; for set-up steps that must succeed. */
export async function kubectlOrThrow(
  identity: IdentityName,
  args: string[],
  input?: string,
): Promise<string> {
  const result = await kubectl(identity, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Applies the generated CRDs with server-side apply (idempotent, so it is harmless when the test runner already
 * installed them) and waits, bounded, until the API server reports every one Established.
 */
export async function installStagegateCrds(): Promise<void> {
  // The same field manager as the local-cluster installer, forcing, so a cluster started before the last
  // `make generate` gets the current schema instead of a conflict.
  await kubectlOrThrow("admin", [
    "apply",
    "--server-side",
    "--field-manager=stagegate-local-cluster",
    "--force-conflicts",
    // -k: crds/ holds the kustomization config/default builds on, which -f would read as an object.
    "-k",
    CRD_DIR,
  ]);
  await kubectlOrThrow("admin", [
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...CRD_NAMES.map((name) => `customresourcedefinition/${name}`),
  ]);
}

/** A short random suffix that keeps names of one test run apart from every other run's. */
export function uniqueSuffix(): string {
  return randomBytes(3).toString("hex");
}

/** Creates a namespace with a unique name for one test file, bound as a team namespace, and returns the name. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${uniqueSuffix()}`;
  await kubectlOrThrow("admin", ["create", "namespace", name]);
  // A team namespace: the shipped user roles bound to the local identities' groups here (docs/rbac.md).
  const admin = await clientFor("admin");
  try {
    await bindTeamRoles(admin, name);
  } finally {
    admin.close();
  }
  return name;
}

/** Starts deleting a namespace; without kube-controller-manager it only gets marked, which is enough here. */
export async function deleteNamespace(name: string): Promise<void> {
  await kubectlOrThrow("admin", ["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
}
