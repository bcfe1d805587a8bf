import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { installDebianPackages } from "./debian-install.js";
import { MonitoringError } from "./errors.js";

const run = promisify(execFile);

/** The Debian bookworm packages that bring the two servers (Prometheus 2.42, Alertmanager 0.25). */
export const MONITORING_PACKAGES = ["prometheus", "prometheus-alertmanager"] as const;

/** Absolute paths of the Prometheus and Alertmanager server binaries. */
export interface MonitoringBinaries {
  readonly prometheus: string;
  readonly alertmanager: string;
}

/**
 * Names each binary goes by, in order of preference. Debian installs Alertmanager as
 * `/usr/bin/prometheus-alertmanager`; upstream tarballs and other distributions call it `alertmanager`.
 */
const CANDIDATE_NAMES: Record<keyof MonitoringBinaries, readonly string[]> = {
  prometheus: ["prometheus"],
  alertmanager: ["prometheus-alertmanager", "alertmanager"],
};

/** Where to look besides `$PATH`: Debian's own bin dir, which a restricted PATH may lack. */
const EXTRA_DIRS = ["/usr/bin", "/usr/local/bin"];

/** The first executable file called `name` in `dirs`, or `undefined`. */
function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

/**
 * Looks the two binaries up on `searchPath` (default `$PATH`) and in `/usr/bin`; returns what it found
 * without running or installing anything, so it costs a few `access()` calls.
 */
export function findMonitoringBinaries(
  searchPath: string = process.env.PATH ?? "",
): Partial<MonitoringBinaries> {
  const dirs = [...searchPath.split(delimiter).filter((dir) => dir !== ""), ...EXTRA_DIRS];
  const found: { prometheus?: string; alertmanager?: string } = {};
  for (const key of ["prometheus", "alertmanager"] as const) {
    for (const name of CANDIDATE_NAMES[key]) {
      found[key] ??= findExecutable(name, dirs);
    }
  }
  return found;
}

/** What {@link ensureMonitoringBinaries} found or installed. */
export interface EnsuredMonitoringBinaries extends MonitoringBinaries {
  /** True when this call ran apt-get; false when both binaries were already there. */
  readonly installed: boolean;
}

/**
 * Returns the Prometheus and Alertmanager binaries, installing the Debian packages first when either is
 * missing (as root only; otherwise it throws with the command to run). Already installed, it is a no-op
 * that starts no process.
 */
export async function ensureMonitoringBinaries(
  options: { log?: (line: string) => void } = {},
): Promise<EnsuredMonitoringBinaries> {
  const before = findMonitoringBinaries();
  if (before.prometheus !== undefined && before.alertmanager !== undefined) {
    return { prometheus: before.prometheus, alertmanager: before.alertmanager, installed: false };
  }
  await installDebianPackages(MONITORING_PACKAGES, options.log ?? ((line) => console.error(line)));
  const after = findMonitoringBinaries();
  if (after.prometheus === undefined || after.alertmanager === undefined) {
    throw new MonitoringError(
      `apt-get installed ${MONITORING_PACKAGES.join(" and ")}, but ${after.prometheus === undefined ? "prometheus" : "the Alertmanager binary"} is still missing. ` +
        `See \`dpkg -L prometheus prometheus-alertmanager | grep bin/\` for where the packages put them.`,
    );
  }
  return { prometheus: after.prometheus, alertmanager: after.alertmanager, installed: true };
}

/** The first line of `<binary> --version`, e.g. `prometheus, version 2.42.0+ds (branch: ...)`. */
export async function binaryVersion(binary: string): Promise<string> {
  const { stdout, stderr } = await run(binary, ["--version"], { timeout: 30_000 });
  // Prometheus prints its version on stdout, Alertmanager 0.25 on stderr.
  return (stdout || stderr).split("\n")[0]?.trim() ?? "";
}
