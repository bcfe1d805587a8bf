import { accessSync, constants, readdirSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../image/command.js";
import { withServicesBlocked } from "../monitoring/debian-install.js";
import { PostgresToolsError } from "./errors.js";

/** The Debian bookworm package of the server the tests run (PostgreSQL 15). */
export const POSTGRES_PACKAGE = "postgresql-15";

/** Where Debian puts a PostgreSQL major version's server binaries (they are not on PATH). */
const DEBIAN_ROOT = "/usr/lib/postgresql";

/** The server binaries the tests and the benchmark use, all from one directory. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly postgres: string;
  readonly pgIsready: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The binaries of the newest PostgreSQL under /usr/lib/postgresql/<major>/bin that has all of them (or of
 * `$STAGEGATE_POSTGRES_BIN_DIR` when set), without running anything; undefined when none is installed.
 */
export function findPostgresBinaries(
  binDirOverride: string | undefined = process.env.STAGEGATE_POSTGRES_BIN_DIR,
): PostgresBinaries | undefined {
  let dirs: string[];
  if (binDirOverride !== undefined && binDirOverride !== "") {
    dirs = [binDirOverride];
  } else {
    try {
      dirs = readdirSync(DEBIAN_ROOT)
        .filter((major) => /^\d+$/.test(major))
        .sort((a, b) => Number(b) - Number(a))
        .map((major) => join(DEBIAN_ROOT, major, "bin"));
    } catch {
      return undefined;
    }
  }
  for (const binDir of dirs) {
    const found = {
      binDir,
      initdb: join(binDir, "initdb"),
      postgres: join(binDir, "postgres"),
      pgIsready: join(binDir, "pg_isready"),
    };
    if (executable(found.initdb) && executable(found.postgres) && executable(found.pgIsready)) return found;
  }
  return undefined;
}

/**
 * Returns the PostgreSQL server binaries, installing Debian's `postgresql-15` first when none are installed (as
 * root, with services blocked so the package starts no system cluster; otherwise it throws with the command to
 * run). Already installed, it is a no-op that starts no process.
 */
export async function ensurePostgresBinaries(
  log: (line: string) => void = (line) => console.error(line),
): Promise<PostgresBinaries & { installed: boolean }> {
  const before = findPostgresBinaries();
  if (before !== undefined) return { ...before, installed: false };
  if (process.getuid?.() !== 0) {
    throw new PostgresToolsError(
      `PostgreSQL is not installed and installing it needs root: run \`sudo make postgres-tools\`, or ` +
        `\`sudo apt-get install -y --no-install-recommends ${POSTGRES_PACKAGE}\`. The tests start their own ` +
        `servers on loopback; no system cluster needs to run.`,
    );
  }
  if (!executable("/usr/bin/apt-get")) {
    throw new PostgresToolsError(
      `This machine has no apt-get; install PostgreSQL 15 and set STAGEGATE_POSTGRES_BIN_DIR to the directory ` +
        `holding initdb, postgres and pg_isready.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "-qq", "--no-install-recommends", POSTGRES_PACKAGE];
  await withServicesBlocked(async () => {
    log(`Installing ${POSTGRES_PACKAGE} from Debian (its service blocked).`);
    try {
      await runCommand("apt-get", install, { env, echoStderr: true });
    } catch {
      log("apt-get install failed; updating the package lists and trying again.");
      await runCommand("apt-get", ["update", "-qq"], { env, echoStderr: true });
      await runCommand("apt-get", install, { env, echoStderr: true });
    }
  });
  const after = findPostgresBinaries();
  if (after === undefined) {
    throw new PostgresToolsError(
      `apt-get installed ${POSTGRES_PACKAGE}, but initdb, postgres and pg_isready are not under ` +
        `${DEBIAN_ROOT}/<version>/bin; see \`dpkg -L ${POSTGRES_PACKAGE} | grep bin/\`.`,
    );
  }
  return { ...after, installed: true };
}
