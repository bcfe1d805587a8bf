// The compiled build `make test` starts its commands from (ADR 0061). Through tsx every `stagegate` process
// resolves and loads a few hundred TypeScript files through loader hooks: about 4 s of CPU before the verb runs,
// against 1.5 s for the same command compiled. The suite starts hundreds of CLI processes, operators and
// dashboards; compiled once per run, they leave that CPU to the tests.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";

/** The variable `make test` names its build directory in; unset, commands run from src/ through tsx. */
export const TEST_BUILD_ENV = "STAGEGATE_TEST_BUILD";

/**
 * Where the build goes: one level under the repository, as dist/ is, so the paths src/ finds its files by
 * (templates/, config/ relative to the module) and package.json's `"type": "module"` hold for it too.
 */
export const testBuildDir = (repo: string): string => path.join(repo, ".test-build");

/**
 * Compiles src/ as the image does (tsconfig.build.json) into testBuildDir, incrementally (a run after a small
 * change recompiles little). Type errors do not stop it (`make test` type-checks on its own, and tsc still emits);
 * a build that leaves no entry point does, with tsc's output.
 */
export async function buildForTests(repo: string): Promise<string> {
  const dir = testBuildDir(repo);
  const tsc = path.join(repo, "node_modules", "typescript", "bin", "tsc");
  const args = [
    tsc,
    "-p",
    path.join(repo, "tsconfig.build.json"),
    "--outDir",
    dir,
    "--incremental",
    "--tsBuildInfoFile",
    path.join(dir, "tsconfig.tsbuildinfo"),
  ];
  const compile = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
  const entries = ["cmd/stagegate.js", "cmd/dashboard.js"];
  const complete = (): boolean => entries.every((entry) => existsSync(path.join(dir, entry)));
  let output = await compile();
  if (!complete()) {
    // Output removed by hand under an up-to-date tsbuildinfo: tsc would not write it again; build afresh.
    await rm(dir, { recursive: true, force: true });
    output = await compile();
  }
  if (!complete()) {
    throw new Error(`Compiling src/ for the tests left no ${entries.join(" or ")} in ${dir}:\n${output}`);
  }
  return dir;
}

/**
 * The node arguments that start src/cmd/COMMAND.ts: its compiled JavaScript when `build` names a test build, else
 * the source through tsx (`tsx`: how --import finds it from the child's working directory).
 */
export function commandArgs(
  repo: string,
  command: "stagegate" | "dashboard",
  build: string | undefined,
  tsx = "tsx",
): string[] {
  return build === undefined || build === ""
    ? ["--import", tsx, path.join(repo, "src/cmd", `${command}.ts`)]
    : [path.join(build, "cmd", `${command}.js`)];
}
