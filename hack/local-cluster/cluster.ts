import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startApiserver } from "./apiserver.js";
import { assertBinDir, resolveBinDir } from "./binaries.js";
import { writeClusterDescription, type ClusterDescription } from "./cluster-description.js";
import { createClusterPki } from "./cluster-pki.js";
import { LocalClusterError } from "./errors.js";
import { startEtcd } from "./etcd.js";
import { findFreePort } from "./free-port.js";
import { getWithClientCert } from "./https-client.js";
import { runKubectl, type KubectlResult, type KubectlRunOptions, type KubectlTarget } from "./kubectl.js";
import { applyManifestDirs } from "./manifests.js";
import type { ManagedProcess } from "./process.js";
import { installThirdPartyCrds } from "./third-party-crds.js";

/** How to start a local cluster; every field is optional. */
export interface LocalClusterOptions {
  /** State dir (certs, kubeconfigs, etcd data, logs). Default: a fresh `mkdtemp` under the OS temp dir. */
  readonly dir?: string;
  /** Directories of YAML to apply after start, e.g. the repo's `crds/` and `config/rbac/`. Missing ones are skipped. */
  readonly installCrdsFrom?: readonly string[];
  /** Install the pinned Argo CD and Flux CRDs (default true). */
  readonly thirdPartyCrds?: boolean;
  /** Extra kube-apiserver flags; a flag named here replaces the default of the same name. */
  readonly extraApiserverFlags?: readonly string[];
  /** Directory with etcd, kube-apiserver and kubectl. Default: whatever `hack/build-control-plane.sh` prints. */
  readonly binDir?: string;
  /** Let the processes outlive this Node process (for `hack/cluster.ts up`). Default false. */
  readonly detached?: boolean;
  /** Bound on each process's readiness wait. Default 90 s. */
  readonly startTimeoutMs?: number;
}

/** How to tear a cluster down. */
export interface StopOptions {
  /** Keep the state dir (logs, etcd data, kubeconfigs) and print where it is. */
  readonly keepLogs?: boolean;
}

/** A running etcd + kube-apiserver pair with its identities, as returned by {@link startLocalCluster}. */
export interface LocalCluster {
  readonly dir: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly caFile: string;
  /** The CA of kube-apiserver's admission-webhook client certificate: the operator's `--webhook-client-ca-file`. */
  readonly webhookClientCaFile: string;
  /** kube-apiserver's `gitVersion` from `/version`, e.g. `v1.36.3`. */
  readonly version: string;
  /** Kubeconfig path per identity name (see `IDENTITIES`). */
  readonly kubeconfigs: Record<string, string>;
  readonly binDir: string;
  readonly etcdUrl: string;
  readonly etcd: ManagedProcess;
  readonly apiserver: ManagedProcess;
  /** Runs the cached kubectl as one identity; a non-zero exit is returned, not thrown. */
  kubectl(identity: string, args: readonly string[], options?: KubectlRunOptions): Promise<KubectlResult>;
  /** Kills both processes and removes the state dir unless `keepLogs`. Safe to call twice. */
  stop(options?: StopOptions): Promise<void>;
}

/** Reads `gitVersion` from `/version` as the admin. */
async function fetchServerVersion(
  server: string,
  tls: Parameters<typeof getWithClientCert>[2],
): Promise<string> {
  const response = await getWithClientCert(server, "/version", tls);
  const gitVersion = (JSON.parse(response.body) as { gitVersion?: unknown }).gitVersion;
  if (response.status !== 200 || typeof gitVersion !== "string") {
    throw new LocalClusterError(`GET ${server}/version answered ${response.status}: ${response.body}`);
  }
  return gitVersion;
}

/** Kills whatever of the two processes is running; used on teardown and when startup fails halfway. */
async function killProcesses(processes: readonly (ManagedProcess | undefined)[]): Promise<void> {
  for (const process of processes) await process?.kill();
}

/**
 * Starts etcd and kube-apiserver (with real x509 authentication and RBAC), writes one kubeconfig per identity,
 * installs the requested CRDs and manifests, and records everything in `<dir>/cluster.json`. On failure it
 * kills what it started and throws, keeping the state dir so the logs can be read.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const binDir = options.binDir ?? (await resolveBinDir());
  assertBinDir(binDir);
  const dir = resolve(options.dir ?? (await mkdtemp(join(tmpdir(), "stagegate-cluster-"))));
  await mkdir(join(dir, "logs"), { recursive: true });
  const detached = options.detached ?? false;
  const server = `https://127.0.0.1:${await findFreePort()}`;
  let etcd: ManagedProcess | undefined;
  let apiserver: ManagedProcess | undefined;
  try {
    // allSettled, not all: if the PKI fails, etcd must still be known here so the catch below can kill it.
    const [pkiResult, etcdResult] = await Promise.allSettled([
      createClusterPki(dir, server),
      startEtcd({ binDir, dir, detached, startTimeoutMs: options.startTimeoutMs }),
    ]);
    if (etcdResult.status === "fulfilled") etcd = etcdResult.value.process;
    if (pkiResult.status === "rejected") throw pkiResult.reason;
    if (etcdResult.status === "rejected") throw etcdResult.reason;
    const [pki, startedEtcd] = [pkiResult.value, etcdResult.value];
    apiserver = (
      await startApiserver({
        binDir,
        dir,
        etcdUrl: startedEtcd.clientUrl,
        port: Number(new URL(server).port),
        ...pki,
        admissionConfigFile: pki.webhookClient.admissionConfigFile,
        extraFlags: options.extraApiserverFlags,
        detached,
        startTimeoutMs: options.startTimeoutMs,
      })
    ).process;
    const admin: KubectlTarget = {
      binDir,
      kubeconfig: pki.adminKubeconfig,
      cacheDir: join(dir, "kubectl-cache"),
    };
    const version = await fetchServerVersion(server, { caFile: pki.ca.certFile, ...pki.admin });
    // Third-party CRDs first: the repo's manifests (e.g. test fixtures) may hold Argo CD or Flux objects.
    if (options.thirdPartyCrds !== false) await installThirdPartyCrds(admin);
    await applyManifestDirs(admin, options.installCrdsFrom ?? []);
    const description: ClusterDescription = {
      dir,
      server,
      caFile: pki.ca.certFile,
      webhookClientCaFile: pki.webhookClient.caFile,
      version,
      binDir,
      etcdUrl: startedEtcd.clientUrl,
      kubeconfigs: pki.kubeconfigs,
      pids: { etcd: startedEtcd.process.pid ?? -1, apiserver: apiserver.pid ?? -1 },
      commands: { etcd: startedEtcd.process.command, apiserver: apiserver.command },
      logs: { etcd: startedEtcd.process.logFile, apiserver: apiserver.logFile },
      startedAt: new Date().toISOString(),
    };
    await writeClusterDescription(description);
    return assembleCluster(description, pki.webhookClient.caFile, startedEtcd.process, apiserver);
  } catch (error) {
    await killProcesses([apiserver, etcd]);
    const message = error instanceof Error ? error.message : String(error);
    throw new LocalClusterError(
      `The local cluster failed to start; state and logs kept in ${dir}.\n${message}`,
      {
        cause: error,
      },
    );
  }
}

/** Builds the {@link LocalCluster} handle around a started pair of processes. */
function assembleCluster(
  description: ClusterDescription,
  webhookClientCaFile: string,
  etcd: ManagedProcess,
  apiserver: ManagedProcess,
): LocalCluster {
  const { dir, server, caFile, version, kubeconfigs, binDir, etcdUrl } = description;
  let stopped = false;
  return {
    dir,
    server,
    caFile,
    webhookClientCaFile,
    version,
    kubeconfigs,
    binDir,
    etcdUrl,
    etcd,
    apiserver,
    async kubectl(identity, args, options) {
      const kubeconfig = kubeconfigs[identity];
      if (kubeconfig === undefined) {
        throw new LocalClusterError(
          `Unknown identity ${identity}; known: ${Object.keys(kubeconfigs).join(", ")}.`,
        );
      }
      return runKubectl({ binDir, kubeconfig, cacheDir: join(dir, "kubectl-cache") }, args, options);
    },
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      await killProcesses([apiserver, etcd]);
      if (stopOptions.keepLogs) {
        console.error(`Kept the local cluster state in ${dir}; logs: ${apiserver.logFile}, ${etcd.logFile}`);
      } else {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
