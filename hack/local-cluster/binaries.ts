import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LocalClusterError } from "./errors.js";

/** The script that builds etcd, kube-apiserver and kubectl from Go modules into a per-version cache. */
export const BUILD_SCRIPT = join(import.meta.dirname, "..", "build-control-plane.sh");

const REQUIRED_BINARIES = ["etcd", "kube-apiserver", "kubectl"] as const;

/**
 * Returns the directory holding etcd, kube-apiserver and kubectl, building them first if the cache is empty
 * (minutes on a first run, milliseconds after). Build progress goes to this process's stderr.
 */
export async function resolveBinDir(): Promise<string> {
  const binDir = await runBuildScript(BUILD_SCRIPT);
  assertBinDir(binDir);
  return binDir;
}

/** The script that builds helm from its Go module (helm.sh/helm/v4) into the same cache. */
export const HELM_BUILD_SCRIPT = join(import.meta.dirname, "..", "build-helm.sh");

/**
 * Returns the path of the pinned helm binary, building it from its Go module first if the cache lacks it (a few
 * minutes once, milliseconds after). Nothing downloads a prebuilt binary.
 */
export async function resolveHelmBinary(): Promise<string> {
  const helm = join(await runBuildScript(HELM_BUILD_SCRIPT), "helm");
  if (!existsSync(helm))
    throw new LocalClusterError(`${HELM_BUILD_SCRIPT} printed a directory without helm.`);
  return helm;
}

/** Runs one of the build scripts, which print the bin directory as their last line of stdout. */
async function runBuildScript(script: string): Promise<string> {
  const child = spawn("bash", [script], { stdio: ["ignore", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const binDir = Buffer.concat(chunks).toString("utf8").trim().split("\n").pop() ?? "";
  if (code !== 0 || binDir === "") {
    throw new LocalClusterError(`${script} failed (exit ${code}); see its output above.`);
  }
  return binDir;
}

/** Throws unless `binDir` holds all three control-plane binaries. */
export function assertBinDir(binDir: string): void {
  const missing = REQUIRED_BINARIES.filter((name) => !existsSync(join(binDir, name)));
  if (missing.length > 0) {
    throw new LocalClusterError(`${binDir} lacks ${missing.join(", ")}; run bash ${BUILD_SCRIPT}.`);
  }
}
