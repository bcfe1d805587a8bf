import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readFile, rm, stat, writeFile } from "node:fs/promises";
import { MonitoringError } from "./errors.js";

/** Debian's hook that `invoke-rc.d` asks before starting a service; exit 101 means "do not start it". */
export const POLICY_RC_D = "/usr/sbin/policy-rc.d";
const DENY_ALL_SERVICES =
  "#!/bin/sh\n# Written by stagegate hack/monitoring while it installs packages.\nexit 101\n";

/** apt-get output that means the package lists are missing or stale, so `apt-get update` should help. */
const NEEDS_UPDATE = /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found/;

/** Runs a command with the given environment, echoes its output to stderr, and returns exit code and output. */
async function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      process.stderr.write(chunk);
    });
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  return { code, output: Buffer.concat(chunks).toString("utf8") };
}

/**
 * Runs `body` with a `policy-rc.d` that forbids starting any service, so package scripts cannot launch a
 * system Prometheus on :9090 or Alertmanager on :9093; afterwards it puts back whatever was there before.
 */
export async function withServicesBlocked<T>(body: () => Promise<T>): Promise<T> {
  const previous = existsSync(POLICY_RC_D)
    ? { content: await readFile(POLICY_RC_D), mode: (await stat(POLICY_RC_D)).mode & 0o7777 }
    : undefined;
  await writeFile(POLICY_RC_D, DENY_ALL_SERVICES, { mode: 0o755 });
  await chmod(POLICY_RC_D, 0o755);
  try {
    return await body();
  } finally {
    if (previous === undefined) {
      await rm(POLICY_RC_D, { force: true });
    } else {
      await writeFile(POLICY_RC_D, previous.content);
      await chmod(POLICY_RC_D, previous.mode);
    }
  }
}

/** The command a person without root should run instead, printed in the error. */
function manualInstallHint(packages: readonly string[]): string {
  return [
    `Installing ${packages.join(" and ")} needs root. Either run \`sudo make monitoring-tools\`, or install them yourself:`,
    `  sudo apt-get install -y --no-install-recommends ${packages.join(" ")}`,
    `and stop the system services their install scripts start (the tests run their own instances on free`,
    `loopback ports): sudo systemctl disable --now prometheus prometheus-alertmanager`,
  ].join("\n");
}

/**
 * Installs Debian packages with `apt-get install -y --no-install-recommends`, non-interactively and with
 * services blocked; runs `apt-get update` and retries once when the package lists are missing or stale.
 * Throws a {@link MonitoringError} that says what to run when this process is not root.
 */
export async function installDebianPackages(
  packages: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  if (process.getuid?.() !== 0) throw new MonitoringError(manualInstallHint(packages));
  if (!existsSync("/usr/bin/apt-get")) {
    throw new MonitoringError(
      `This machine has no apt-get; install Prometheus and Alertmanager (as \`prometheus\` and ` +
        `\`alertmanager\` or \`prometheus-alertmanager\`) on the PATH by other means.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  await withServicesBlocked(async () => {
    log(`Installing ${packages.join(", ")} from Debian (services blocked by ${POLICY_RC_D}).`);
    let result = await runCommand("apt-get", install, env);
    if (result.code !== 0 && NEEDS_UPDATE.test(result.output)) {
      log("The package lists are missing or stale; running apt-get update and retrying.");
      const update = await runCommand("apt-get", ["update"], env);
      if (update.code !== 0) {
        throw new MonitoringError(`apt-get update failed (exit ${update.code}); see its output above.`);
      }
      result = await runCommand("apt-get", install, env);
    }
    if (result.code !== 0) {
      throw new MonitoringError(
        `apt-get ${install.join(" ")} failed (exit ${result.code}); see its output above.`,
      );
    }
  });
}
