import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  CLUSTER_DESCRIPTION_FILE,
  isPidAlive,
  readClusterDescription,
  runKubectl,
  type ClusterDescription,
  type IdentityName,
  type KubectlResult,
} from "../../hack/local-cluster/index.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..");

/** The description `make cluster-up` writes, used when `STAGEGATE_TEST_CLUSTER` is not set. */
export const DEFAULT_CLUSTER_DESCRIPTION = join(REPO_ROOT, ".stagegate", "cluster", CLUSTER_DESCRIPTION_FILE);

/** Raised when a test needs the shared cluster and none is described or running; the message says how to get one. */
export class TestClusterUnavailableError extends Error {
  override readonly name = "TestClusterUnavailableError";
}

/** Where this test process should look for the cluster description, and why. */
function descriptionPath(): { path: string; source: string } {
  const fromEnv = process.env.STAGEGATE_TEST_CLUSTER;
  if (fromEnv) return { path: fromEnv, source: "STAGEGATE_TEST_CLUSTER" };
  return { path: DEFAULT_CLUSTER_DESCRIPTION, source: "the default location" };
}

/**
 * The shared test cluster: read from the JSON file named by `STAGEGATE_TEST_CLUSTER`, else from
 * `<repo>/.stagegate/cluster/cluster.json`. Throws a {@link TestClusterUnavailableError} naming
 * `make cluster-up` when neither exists or its processes are gone, so a test never hangs on a dead server.
 */
export function testCluster(): ClusterDescription {
  const { path, source } = descriptionPath();
  if (!existsSync(path)) {
    throw new TestClusterUnavailableError(
      `No test cluster: ${path} (${source}) does not exist. Run \`make cluster-up\` first, ` +
        "or set STAGEGATE_TEST_CLUSTER to a cluster.json written by startLocalCluster().",
    );
  }
  const description = readClusterDescription(path);
  const alive =
    isPidAlive(description.pids.etcd, description.commands.etcd) &&
    isPidAlive(description.pids.apiserver, description.commands.apiserver);
  if (!alive) {
    throw new TestClusterUnavailableError(
      `The test cluster described by ${path} is not running (etcd pid ${description.pids.etcd}, ` +
        `kube-apiserver pid ${description.pids.apiserver}). Run \`make cluster-down && make cluster-up\`.`,
    );
  }
  return description;
}

/** The kubeconfig file of one identity of the test cluster (see `IDENTITIES` in hack/local-cluster). */
export function kubeconfigPath(identity: IdentityName): string {
  const cluster = testCluster();
  const path = cluster.kubeconfigs[identity];
  if (path === undefined) {
    const known = Object.keys(cluster.kubeconfigs).join(", ");
    throw new TestClusterUnavailableError(`The test cluster has no identity ${identity} (known: ${known}).`);
  }
  return path;
}

/** Options for {@link kubectl}. */
export interface TestKubectlOptions {
  /** Written to kubectl's stdin, for `-f -`. */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/**
 * Runs the cluster's own kubectl as `identity` and returns `{ code, stdout, stderr }`; a non-zero exit is a
 * result, not an exception, so tests can assert on a `Forbidden`. `KUBECONFIG` from the environment is ignored.
 */
export async function kubectl(
  identity: IdentityName,
  args: readonly string[],
  options: TestKubectlOptions = {},
): Promise<KubectlResult> {
  const cluster = testCluster();
  return runKubectl(
    {
      binDir: cluster.binDir,
      kubeconfig: kubeconfigPath(identity),
      cacheDir: join(cluster.dir, "kubectl-cache"),
    },
    args,
    options,
  );
}
