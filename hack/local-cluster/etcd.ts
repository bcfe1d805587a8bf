import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { findFreePorts } from "./free-port.js";
import { ManagedProcess } from "./process.js";

/** Where the local etcd lives and how to reach it. */
export interface EtcdOptions {
  readonly binDir: string;
  /** The cluster state dir; etcd keeps its data in `<dir>/etcd` and logs to `<dir>/logs/etcd.log`. */
  readonly dir: string;
  readonly detached?: boolean;
  readonly startTimeoutMs?: number;
}

/** A started etcd and the client URL the apiserver should use. */
export interface StartedEtcd {
  readonly process: ManagedProcess;
  readonly clientUrl: string;
}

/** Asks etcd's `/health` endpoint whether it serves; any error or non-200 counts as not yet. */
async function probeEtcdHealth(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { health?: string };
    return response.ok && body.health === "true";
  } catch {
    return false;
  }
}

/**
 * The etcd flags, matching controller-runtime's envtest: loopback client and peer URLs on free ports, no fsync
 * (test data is disposable) and an 8 GiB backend quota so large CRDs never hit the 2 GiB default.
 */
export function etcdArgs(dataDir: string, clientUrl: string, peerUrl: string): string[] {
  return [
    "--name=default",
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    "--unsafe-no-fsync=true",
    "--quota-backend-bytes=8589934592",
  ];
}

/**
 * Starts a single-member etcd on free loopback ports and waits until `/health` says true. The returned
 * process can be restarted with the same ports and data dir, so an apiserver pointed at it keeps working.
 */
export async function startEtcd(options: EtcdOptions): Promise<StartedEtcd> {
  const dataDir = join(options.dir, "etcd");
  await mkdir(join(options.dir, "logs"), { recursive: true });
  const urls = (await findFreePorts(2)).map((port) => `http://127.0.0.1:${port}`);
  const [clientUrl, peerUrl] = urls as [string, string];
  const process = new ManagedProcess({
    name: "etcd",
    command: join(options.binDir, "etcd"),
    args: etcdArgs(dataDir, clientUrl, peerUrl),
    logFile: join(options.dir, "logs", "etcd.log"),
    detached: options.detached ?? false,
    readiness: { probe: () => probeEtcdHealth(clientUrl), timeoutMs: options.startTimeoutMs ?? 30_000 },
  });
  await process.start();
  return { process, clientUrl };
}
