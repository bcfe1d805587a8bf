import { mkdtemp, rm } from "node:fs/promises";
import { waitFor } from "./kube.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CHART_INTEGRATION_CRDS,
  installThirdPartyCrds,
  resolveBinDir,
  resolveHelmBinary,
  runHelm,
  runKubectl,
  startLocalCluster,
  type HelmResult,
  type KubectlResult,
  type LocalCluster,
} from "../../hack/local-cluster/index.js";

let helmPath: Promise<string> | undefined;
/** The pinned helm, built from its Go module on first use (hack/build-helm.sh). */
export function helmBinary(): Promise<string> {
  helmPath ??= resolveHelmBinary();
  return helmPath;
}

let binDir: Promise<string> | undefined;
/** The control plane's bin directory (kubectl), for `kubectl kustomize` without a cluster. */
function controlPlaneBinDir(): Promise<string> {
  binDir ??= resolveBinDir();
  return binDir;
}

/** Runs helm without a cluster (lint, template), with its state in a temporary directory. */
export async function helmOffline(args: readonly string[]): Promise<HelmResult> {
  const stateDir = await mkdtemp(join(tmpdir(), "stagegate-helm-"));
  try {
    return await runHelm({ helm: await helmBinary(), stateDir }, args);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** `kubectl kustomize DIR` without a cluster; throws with kubectl's words when it fails. */
export async function kustomizeBuild(dir: string): Promise<string> {
  const result = await runKubectl({ binDir: await controlPlaneBinDir(), kubeconfig: "/dev/null" }, [
    "kustomize",
    dir,
  ]);
  if (result.code !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return result.stdout;
}

/** A control plane of its own for installing Stagegate, which cluster-scoped objects of the shared one would clash with. */
export interface InstallCluster {
  readonly cluster: LocalCluster;
  /** helm as the cluster admin. */
  helm(args: readonly string[]): Promise<HelmResult>;
  /** kubectl as the cluster admin. */
  kubectl(args: readonly string[], input?: string): Promise<KubectlResult>;
  /** kubectl as the admin, failing the test with kubectl's stderr on a non-zero exit; returns stdout. */
  kubectlOk(args: readonly string[], input?: string): Promise<string>;
  /** Stops the cluster; its state directory (logs included) is kept when a kubectlOk failed or `keepLogs`. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

/** What an install test needs of its cluster beyond the defaults. */
export interface InstallClusterOptions {
  /** The cluster's state directory; a fresh temporary one unless given. */
  readonly dir?: string;
  /** Extra kube-apiserver flags (see `startLocalCluster`). */
  readonly apiserverFlags?: readonly string[];
  /** Also install the Argo CD and Flux CRDs, for tests that run the operator and deliver through them. */
  readonly gitOpsCrds?: boolean;
}

/**
 * Starts etcd and kube-apiserver for one install test file, with the CRDs of the chart's optional integrations
 * (cert-manager, Prometheus Operator) but without Stagegate's own: installing them is what is being tested.
 * The shared test cluster is never touched, so uninstalling CRDs cannot take them from parallel suites.
 */
export async function startInstallCluster(options: InstallClusterOptions = {}): Promise<InstallCluster> {
  const cluster = await startLocalCluster({
    ...(options.dir === undefined ? {} : { dir: options.dir }),
    thirdPartyCrds: options.gitOpsCrds ?? false,
    extraApiserverFlags: options.apiserverFlags ?? [],
  });
  const admin = cluster.kubeconfigs.admin;
  if (admin === undefined) throw new Error("The local cluster has no admin kubeconfig.");
  const kubectl = (args: readonly string[], input?: string) =>
    cluster.kubectl("admin", args, input === undefined ? {} : { input });
  await installThirdPartyCrds(
    { binDir: cluster.binDir, kubeconfig: admin, cacheDir: join(cluster.dir, "kubectl-cache") },
    CHART_INTEGRATION_CRDS,
  );
  const stateDir = join(cluster.dir, "helm");
  const helm = await helmBinary();
  let failed = false;
  return {
    cluster,
    helm: (args) => runHelm({ helm, kubeconfig: admin, stateDir }, args, { timeoutMs: 180_000 }),
    kubectl,
    async kubectlOk(args, input) {
      const result = await kubectl(args, input);
      if (result.code !== 0) {
        failed = true;
        throw new Error(`kubectl ${args.join(" ")} failed (exit ${result.code}): ${result.stderr}`);
      }
      return result.stdout;
    },
    stop: (options) => cluster.stop({ keepLogs: failed || options?.keepLogs === true }),
  };
}

/**
 * Waits until the closed-objects policy refuses an edit of the closed ChangeRequest `name` in `namespace` (a
 * ValidatingAdmissionPolicy takes a moment to reach the API server's admission chain).
 */
export function closedRecordRefusesEdits(k: InstallCluster, namespace: string, name: string): Promise<true> {
  return waitFor(
    `the closed-objects policy to refuse an edit of the closed record ${namespace}/${name}`,
    async () => {
      const edit = await k.kubectl([
        "patch",
        "changerequest",
        name,
        "-n",
        namespace,
        "--type=merge",
        "-p",
        '{"spec":{"justification":"Rewritten."}}',
      ]);
      return edit.code !== 0 && edit.stderr.includes("is closed") ? true : undefined;
    },
  );
}
