// The commands the story's people type, and how the demo prints them: `$ command (as who)`, output, exit.
import { spawn } from "node:child_process";
import { runKubectl } from "../local-cluster/index.js";
import { TEST_BUILD_ENV, commandArgs } from "../test-build.js";

/** Quotes an argument with spaces the way a person would have typed it. */
function shellWord(arg: string): string {
  return /[\s"'$]/.test(arg) ? `'${arg.replaceAll("'", `'\\''`)}'` : arg;
}

/** `$ command (as who)`, what it printed and its exit code, as the story shows a command it ran. */
export function transcript(
  command: string,
  args: readonly string[],
  who: string | undefined,
  out: string,
  code: number | null,
): string {
  const as = who === undefined ? "" : `   (as ${who})`;
  return `$ ${[command, ...args].map(shellWord).join(" ")}${as}\n${out.trimEnd()}\n(exit ${code})`;
}

/** Runs the stagegate CLI as `who` (else with the demo's own kubeconfig), returning its transcript. */
export function stagegate(
  repo: string,
  args: readonly string[],
  as?: { who: string; kubeconfig: string },
): Promise<string> {
  const kubeconfig = as === undefined ? [] : [`--kubeconfig=${as.kubeconfig}`];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // Under make test, the run's compiled build (ADR 0061); for make demo, the sources.
      [...commandArgs(repo, "stagegate", process.env[TEST_BUILD_ENV]), ...args, ...kubeconfig],
      { cwd: repo, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve(transcript("stagegate", args, as?.who, out, code)));
  });
}

/** Runs kubectl as `who` with their kubeconfig, returning its transcript (a refusal is shown, not thrown). */
export async function kubectlAs(
  binDir: string,
  as: { who: string; kubeconfig: string },
  args: readonly string[],
): Promise<string> {
  const result = await runKubectl({ binDir, kubeconfig: as.kubeconfig }, args);
  return transcript("kubectl", args, as.who, `${result.stdout}${result.stderr}`, result.code);
}
