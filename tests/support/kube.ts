import { randomBytes } from "node:crypto";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import { kubeconfigPath } from "./cluster.js";
import { bindTeamRoles, LOCAL_TEAM, type TeamGroups } from "./team-rbac.js";

/** A client of the test cluster acting as one identity. Close it when done. */
export async function clientFor(
  identity: IdentityName,
  kubeconfig = kubeconfigPath(identity),
): Promise<KubeClient> {
  return KubeClient.connect(kubeconfig);
}

/**
 * Creates a namespace with a unique name for one test, so no test depends on another's leftovers, as a team
 * namespace: the shipped user roles bound to the local identities' groups there (or to `team`'s), per namespace.
 */
export async function createTestNamespace(
  admin: KubeClient,
  prefix: string,
  team: TeamGroups = LOCAL_TEAM,
): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await admin.create(builtin.namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await bindTeamRoles(admin, name, team);
  return name;
}

/** Raised when a bounded wait runs out; its message says what was awaited and what was last seen. */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
}

/**
 * Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` with the
 * description and the last error seen. A bound on a wait, never a sleep standing in for synchronisation.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError === undefined ? "" : ` (last error: ${(lastError as Error).message})`;
      throw new WaitTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Where a test writes its objects: the admin client and the test's own namespace. */
export interface TestScope {
  admin: KubeClient;
  namespace: string;
}
