// A Go CPU profile of the benchmark's kube-apiserver: where the API server's CPU goes while the operator promotes.
// The local control plane starts kube-apiserver with `--profiling=false`; a benchmark that asks for a profile
// passes `--profiling=true` (PROFILING_FLAG), and the profile is read as admin from `/debug/pprof/profile` with the
// cached kubectl (`get --raw`), written byte for byte to a file for `go tool pprof`.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

/** The kube-apiserver flag that serves `/debug/pprof` (it replaces the local control plane's default). */
export const PROFILING_FLAG = "--profiling=true";

/**
 * Samples kube-apiserver's CPU for `seconds` and writes the profile (gzipped protobuf) to `file`; resolves with its
 * size in bytes. Rejects, quoting kubectl's stderr, when the profile cannot be read.
 */
export async function captureApiserverProfile(
  target: { binDir: string; kubeconfig: string },
  seconds: number,
  file: string,
): Promise<number> {
  const child = spawn(
    join(target.binDir, "kubectl"),
    [`--kubeconfig=${target.kubeconfig}`, `--request-timeout=${seconds + 60}s`, "get", "--raw"].concat(
      `/debug/pprof/profile?seconds=${seconds}`,
    ),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? -1));
  });
  await pipeline(child.stdout, createWriteStream(file));
  const code = await exited;
  if (code !== 0) {
    throw new Error(
      `Could not read kube-apiserver's CPU profile (kubectl exited ${code}): ` +
        Buffer.concat(stderr).toString("utf8").trim(),
    );
  }
  return (await stat(file)).size;
}

/** Where the CRD baseline's profile goes beside the steady run's `file`: `.release-status` before `.pb.gz`. */
export const releaseStatusProfileFile = (file: string): string =>
  file.replace(/(\.pb\.gz)?$/, ".release-status$1");

/**
 * Takes a profile of `seconds` into `file` (`when` says of what, for the log) and answers with a line that says where
 * it went and how to read it, or why it was not taken: a profile is an extra, never a reason to fail a run.
 */
export async function profileApiserver(
  cluster: { binDir: string; kubeconfigs: Record<string, string> },
  file: string,
  seconds: number,
  when: string,
  log: (line: string) => void,
): Promise<string> {
  log(`Sampling kube-apiserver's CPU for ${seconds} s ${when}...`);
  try {
    const bytes = await captureApiserverProfile(
      { binDir: cluster.binDir, kubeconfig: cluster.kubeconfigs.admin ?? "" },
      seconds,
      file,
    );
    return (
      `kube-apiserver CPU profile (${seconds} s ${when}, ${bytes} bytes): ${file}\n` +
      `  read it with: go tool pprof -top ${file}`
    );
  } catch (err) {
    return `kube-apiserver CPU profile ${when}: not taken (${(err as Error).message})`;
  }
}
