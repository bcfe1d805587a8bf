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
  const child = spawn("bash", [BUILD_SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const binDir = Buffer.concat(chunks).toString("utf8").trim().split("\n").pop() ?? "";
  if (code !== 0 || binDir === "") {
    throw new LocalClusterError(`${BUILD_SCRIPT} failed (exit ${code}); see its output above.`);
  }
  assertBinDir(binDir);
  return binDir;
}

/** Throws unless `binDir` holds all three control-plane binaries. */
export function assertBinDir(binDir: string): void {
  const missing = REQUIRED_BINARIES.filter((name) => !existsSync(join(binDir, name)));
  if (missing.length > 0) {
    throw new LocalClusterError(`${binDir} lacks ${missing.join(", ")}; run bash ${BUILD_SCRIPT}.`);
  }
}
