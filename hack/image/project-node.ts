import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./command.js";
import { ImageError } from "./errors.js";
import { REPO } from "./image-config.js";

/** The project's own Node.js: the binary of the npm package `node` pinned in package-lock.json. */
export interface ProjectNode {
  readonly binary: string;
  /** `v24.21.0`, as `node --version` prints it. */
  readonly version: string;
  /** Node.js's LICENSE from the same npm package (node-<platform>-<arch>), when present. */
  readonly license: string | undefined;
}

/** The version of the npm package `node` the lockfile pins, e.g. `24.21.0`. */
export function lockedNodeVersion(): string {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.["node_modules/node"]?.version;
  if (version === undefined) throw new ImageError("package-lock.json pins no npm package `node`.");
  return version;
}

/**
 * Finds the installed binary of the npm package `node` and checks that it is the version the lockfile pins, so the
 * image carries exactly the Node the project is developed and tested on.
 */
export async function projectNode(): Promise<ProjectNode> {
  const binary = join(REPO, "node_modules", "node", "bin", "node");
  if (!existsSync(binary)) throw new ImageError(`${binary} is missing: run \`make deps\` first.`);
  const version = (await runCommand(binary, ["--version"])).stdout.trim();
  const locked = `v${lockedNodeVersion()}`;
  if (version !== locked) {
    throw new ImageError(`${binary} is ${version}, but package-lock.json pins ${locked}: run \`make deps\`.`);
  }
  const pkg = `node-${process.platform}-${process.arch}`;
  const license = [
    join(REPO, "node_modules", "node", "node_modules", pkg, "LICENSE"),
    join(REPO, "node_modules", pkg, "LICENSE"),
  ].find((path) => existsSync(path));
  return { binary, version, license };
}
