import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runCommand } from "./command.js";
import { REPO } from "./image-config.js";

/** The files of config/rbac that `stagegate check` reads in the image: the operator's roles and its certificate's. */
export const SHIPPED_ROLE_FILES = ["operator-role.yaml", "webhook-certificate-role.yaml"] as const;

/**
 * The production dependencies of package-lock.json, installed once per lockfile into
 * `<cache>/node-modules/<digest>` with `npm ci --omit=dev --ignore-scripts` (a copy of package.json and the
 * lockfile, never the repository's node_modules). Returns that directory. A second call with the same lockfile
 * returns at once; concurrent builds install side by side and the first rename wins.
 */
export async function productionDependencies(cacheDir: string, log: (line: string) => void): Promise<string> {
  const files = ["package.json", "package-lock.json"] as const;
  const contents = await Promise.all(files.map((file) => readFile(join(REPO, file))));
  const digest = createHash("sha256");
  for (const content of contents) digest.update(content).update("\0");
  const dir = join(cacheDir, "node-modules", digest.digest("hex").slice(0, 24));
  if (existsSync(join(dir, "node_modules", ".package-lock.json"))) return dir;

  await mkdir(dirname(dir), { recursive: true });
  const work = await mkdtemp(`${dir}.partial-`);
  try {
    for (const [i, file] of files.entries()) await writeFile(join(work, file), contents[i]!);
    log("Installing the production dependencies (npm ci --omit=dev).");
    // npm runs on the project's Node (its directory first on PATH), as the Makefile runs it.
    const path = `${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`;
    await runCommand(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
      {
        cwd: work,
        env: { ...process.env, PATH: path, NODE_ENV: "production" },
      },
    );
    await rename(work, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
      await rm(work, { recursive: true, force: true });
    });
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/**
 * Lays out what becomes `/app` in the image: package.json (its `"type": "module"` makes dist/ ESM), dist/ compiled
 * by tsc from src/ (tsconfig.build.json, into a fresh directory so no stale output ships), the default report
 * templates (templates/), the operator's shipped roles (config/rbac/, which `stagegate check` compares the live roles
 * with), and the production node_modules (hard links into the cache).
 */
export async function stageApp(appDir: string, cacheDir: string, log: (line: string) => void): Promise<void> {
  await mkdir(appDir, { recursive: true });
  const deps = await productionDependencies(cacheDir, log);
  log("Compiling src/ with tsc -p tsconfig.build.json.");
  const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
  await runCommand(
    process.execPath,
    [tsc, "-p", join(REPO, "tsconfig.build.json"), "--outDir", join(appDir, "dist")],
    {
      cwd: REPO,
    },
  );
  await copyFile(join(REPO, "package.json"), join(appDir, "package.json"));
  // The default report templates, read by `stagegate audit report` from /app/templates/reports.
  await runCommand("cp", ["-r", join(REPO, "templates"), join(appDir, "templates")]);
  // The operator's roles as shipped, read by `stagegate check` from /app/config/rbac (src/cli/check/shipped-rbac.ts).
  await mkdir(join(appDir, "config/rbac"), { recursive: true });
  for (const file of SHIPPED_ROLE_FILES) {
    await copyFile(join(REPO, "config/rbac", file), join(appDir, "config/rbac", file));
  }
  await runCommand("cp", ["-al", join(deps, "node_modules"), join(appDir, "node_modules")]);
}
