/**
 * `tsx hack/cluster.ts up|down|status`: a long-lived local control plane for development. `up` starts etcd and
 * kube-apiserver detached from the terminal with state in `$STAGEGATE_CLUSTER_DIR` (default
 * `<repo>/.stagegate/cluster`); `down` stops them by the pids in that dir and removes it.
 */
import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CLUSTER_DESCRIPTION_FILE,
  isPidAlive,
  PROJECT_MANIFEST_DIRS,
  readClusterDescription,
  runKubectl,
  startLocalCluster,
  terminatePid,
  type ClusterDescription,
} from "./local-cluster/index.js";

const REPO_ROOT = join(import.meta.dirname, "..");
const USAGE = `Usage: tsx hack/cluster.ts <up|down|status> [--no-third-party-crds]

  up      start etcd + kube-apiserver in the background (a no-op if already up)
  down    stop them and remove the state dir
  status  say whether the cluster runs and answers /readyz (exit 1 if not)

State dir: $STAGEGATE_CLUSTER_DIR, default <repo>/.stagegate/cluster`;

/** Parsed command line. */
interface CliOptions {
  readonly verb: "up" | "down" | "status";
  readonly dir: string;
  readonly thirdPartyCrds: boolean;
}

/** Parses argv and the environment once, at the entry point; exits with usage on bad input. */
function parseCli(argv: readonly string[]): CliOptions {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { "no-third-party-crds": { type: "boolean", default: false }, help: { type: "boolean" } },
  });
  const verb = positionals[0];
  if (values.help || positionals.length !== 1 || (verb !== "up" && verb !== "down" && verb !== "status")) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const dir = process.env.STAGEGATE_CLUSTER_DIR || join(REPO_ROOT, ".stagegate", "cluster");
  return { verb, dir, thirdPartyCrds: !values["no-third-party-crds"] };
}

/** True when both recorded processes still run the recorded binaries. */
function isClusterAlive(description: ClusterDescription): boolean {
  return (
    isPidAlive(description.pids.etcd, description.commands.etcd) &&
    isPidAlive(description.pids.apiserver, description.commands.apiserver)
  );
}

/** Reads the state dir's description, or undefined when there is none. */
function readState(dir: string): ClusterDescription | undefined {
  const path = join(dir, CLUSTER_DESCRIPTION_FILE);
  return existsSync(path) ? readClusterDescription(path) : undefined;
}

/** Removes a state dir, refusing anything that does not look like one of ours. */
async function removeStateDir(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  const ours =
    entries.length === 0 || entries.some((e) => ["logs", "pki", CLUSTER_DESCRIPTION_FILE].includes(e));
  if (!ours) throw new Error(`Refusing to remove ${dir}: it does not look like a local-cluster state dir.`);
  await rm(dir, { recursive: true, force: true });
}

/** Stops the recorded processes (apiserver first) and reports whether any was running. */
async function stopRecorded(description: ClusterDescription): Promise<boolean> {
  const apiserver = await terminatePid(description.pids.apiserver, description.commands.apiserver);
  const etcd = await terminatePid(description.pids.etcd, description.commands.etcd);
  return apiserver || etcd;
}

/** Prints how to use a running cluster. */
function printUsage(description: ClusterDescription): void {
  const admin = description.kubeconfigs.admin ?? Object.values(description.kubeconfigs)[0];
  console.log(`Local cluster ${description.version} at ${description.server}
  export KUBECONFIG=${admin}
  export PATH=${description.binDir}:$PATH   # the matching kubectl
Kubeconfigs per identity: ${join(description.dir, "kubeconfigs")}/<${Object.keys(description.kubeconfigs).join("|")}>.kubeconfig
Logs: ${description.logs.apiserver}, ${description.logs.etcd}
Stop with: make cluster-down (or tsx hack/cluster.ts down)`);
}

/** `up`: a no-op if running, otherwise clears stale state and starts a detached cluster. */
async function up(options: CliOptions): Promise<void> {
  const existing = readState(options.dir);
  if (existing !== undefined && isClusterAlive(existing)) {
    console.log(`The local cluster is already up (pids ${existing.pids.etcd}, ${existing.pids.apiserver}).`);
    printUsage(existing);
    return;
  }
  if (existing !== undefined) {
    console.log(`Found stale state in ${options.dir}; cleaning it up.`);
    await stopRecorded(existing);
  }
  await removeStateDir(options.dir);
  const started = Date.now();
  const cluster = await startLocalCluster({
    dir: options.dir,
    detached: true,
    thirdPartyCrds: options.thirdPartyCrds,
    // hack/manifests binds config/rbac's roles to the local `operator` client-certificate identity.
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
  });
  console.log(`Started in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  printUsage(readClusterDescription(join(cluster.dir, CLUSTER_DESCRIPTION_FILE)));
}

/** `down`: stops the recorded processes and removes the state dir. */
async function down(options: CliOptions): Promise<void> {
  const existing = readState(options.dir);
  const wasRunning = existing !== undefined && (await stopRecorded(existing));
  await removeStateDir(options.dir);
  console.log(
    wasRunning ? `Stopped the local cluster and removed ${options.dir}.` : "No local cluster was running.",
  );
}

/** `status`: exit 0 when both processes run and `/readyz` answers ok. */
async function status(options: CliOptions): Promise<void> {
  const existing = readState(options.dir);
  if (existing === undefined || !isClusterAlive(existing)) {
    console.log(
      existing === undefined ? "No local cluster is up." : `Stale state in ${options.dir}: processes gone.`,
    );
    process.exitCode = 1;
    return;
  }
  const admin = existing.kubeconfigs.admin ?? "";
  const readyz = await runKubectl(
    { binDir: existing.binDir, kubeconfig: admin },
    ["get", "--raw", "/readyz"],
    {
      timeoutMs: 10_000,
    },
  );
  const ready = readyz.code === 0 && readyz.stdout.trim() === "ok";
  console.log(
    `Running (etcd pid ${existing.pids.etcd}, kube-apiserver pid ${existing.pids.apiserver}); ` +
      `readyz: ${ready ? "ok" : readyz.stderr.trim() || readyz.stdout.trim()}`,
  );
  printUsage(existing);
  if (!ready) process.exitCode = 1;
}

const options = parseCli(process.argv.slice(2));
const verbs = { up, down, status } as const;
try {
  await verbs[options.verb](options);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
