// Containers of the built image without a container engine: umoci turns the image into an OCI runtime bundle (its
// root filesystem, and a runtime config translated from the image config as an engine would: user, entrypoint and
// command, working directory, environment, HOME from /etc/passwd), and runc, the runtime under Docker and
// containerd, runs it. Tests change only what a kubelet would set for the chart's pod.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "../../hack/image/command.js";

/** The parts of an OCI runtime config (runtime-spec config.md) tests read or set. */
export interface RuntimeSpec {
  process: {
    terminal?: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: Record<string, string[]>;
    noNewPrivileges?: boolean;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: { destination: string; type?: string; source?: string; options?: string[] }[];
  linux: { namespaces: { type: string }[] } & Record<string, unknown>;
}

/** An unpacked image: its root filesystem and the runtime config umoci generated from the image config. */
export interface RuntimeBundle {
  readonly dir: string;
  readonly rootfs: string;
  readonly spec: RuntimeSpec;
}

/** `umoci unpack`s image `reference` of the layout at `layoutDir` into `bundleDir` (which must not exist). */
export async function unpackBundle(
  layoutDir: string,
  reference: string,
  bundleDir: string,
): Promise<RuntimeBundle> {
  await runCommand("umoci", ["unpack", "--image", `${layoutDir}:${reference}`, bundleDir]);
  const spec = JSON.parse(await readFile(join(bundleDir, "config.json"), "utf8")) as RuntimeSpec;
  return { dir: bundleDir, rootfs: join(bundleDir, "rootfs"), spec };
}

/** A bind mount into the container. */
export interface BindMount {
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
}

/** What a container of the bundle runs with, beyond the image's own config. */
export interface ContainerOptions {
  /** Arguments after the image's entrypoint (replacing its command), as a pod's `args` do. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly binds?: readonly BindMount[];
}

/**
 * The runtime config for one container, as the chart's pod asks for it: read-only root filesystem, every capability
 * dropped, no privilege escalation, an empty /tmp; the user, entrypoint, working directory and environment stay
 * the image's. It keeps the host's network namespace: the API server listens on the host's loopback here, where a
 * pod would reach it through its Service.
 */
export function containerSpec(
  bundle: RuntimeBundle,
  entrypoint: readonly string[],
  options: ContainerOptions,
): RuntimeSpec {
  const spec = structuredClone(bundle.spec);
  const extraEnv = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
  spec.process = {
    ...spec.process,
    terminal: false,
    args: [...entrypoint, ...options.args],
    env: [...spec.process.env, ...extraEnv],
    capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
    noNewPrivileges: true,
  };
  spec.root = { path: bundle.rootfs, readonly: true };
  spec.linux.namespaces = spec.linux.namespaces.filter((ns) => ns.type !== "network");
  spec.mounts = [
    ...spec.mounts,
    {
      destination: "/tmp",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "mode=1777", "size=64m"],
    },
    ...(options.binds ?? []).map((bind) => ({
      destination: bind.destination,
      type: "bind",
      source: bind.source,
      options: ["rbind", bind.readOnly ? "ro" : "rw", "nosuid", "nodev"],
    })),
  ];
  return spec;
}

/** A running container, its output collected in a log file. */
export interface Container {
  readonly id: string;
  readonly logFile: string;
  /** Resolves with the container process's exit code (runc run's own). */
  readonly exited: Promise<number>;
  /** The container's first process as the host sees it. */
  pid(): Promise<number>;
  output(): string;
  /** SIGTERM, as a kubelet stops a pod, then waits for the exit code. */
  stop(): Promise<number>;
}

/** runc's state for the tests' containers, apart from any other runc user on the machine. */
export interface Runtime {
  readonly stateDir: string;
  /** Starts a container with `runc run` (foreground: runc forwards signals and returns the exit code). */
  start(bundle: RuntimeBundle, entrypoint: readonly string[], options: ContainerOptions): Promise<Container>;
  /** Runs a container to its end; its exit code and output. */
  run(
    bundle: RuntimeBundle,
    entrypoint: readonly string[],
    options: ContainerOptions,
  ): Promise<{ code: number; output: string }>;
  /** Kills and deletes every container this runtime started. */
  removeAll(): void;
}

/** A runc runtime whose state lives in `dir`; containers get their own config in `dir/<id>`. */
export function runcRuntime(dir: string): Runtime {
  const stateDir = join(dir, "state");
  const started = new Set<string>();
  const removeAll = (): void => {
    for (const id of started) {
      try {
        execFileSync("runc", ["--root", stateDir, "delete", "--force", id], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
    started.clear();
  };
  process.once("exit", removeAll);

  const start = async (
    bundle: RuntimeBundle,
    entrypoint: readonly string[],
    options: ContainerOptions,
  ): Promise<Container> => {
    const id = `stagegate-test-${randomBytes(4).toString("hex")}`;
    const configDir = join(dir, id);
    await mkdir(configDir, { recursive: true });
    await writeFile(
      join(configDir, "config.json"),
      JSON.stringify(containerSpec(bundle, entrypoint, options)),
    );
    const logFile = join(configDir, "output.log");
    const log = createWriteStream(logFile);
    const child = spawn("runc", ["--root", stateDir, "run", "--bundle", configDir, id], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.add(id);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const exited = new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      // runc run deletes the container when its process ends; the log is complete once the stream finishes.
      child.once("close", (code, signal) => {
        started.delete(id);
        log.end(() => resolve(code ?? (signal === null ? 1 : 128)));
      });
    });
    return {
      id,
      logFile,
      exited,
      output: () => readFileSync(logFile, "utf8"),
      async pid() {
        const { stdout } = await runCommand("runc", ["--root", stateDir, "state", id]);
        return (JSON.parse(stdout) as { pid: number }).pid;
      },
      async stop() {
        // A container that has already ended cannot be signalled; its exit code is still the answer.
        await runCommand("runc", ["--root", stateDir, "kill", id, "TERM"]).catch(() => undefined);
        return exited;
      },
    };
  };

  return {
    stateDir,
    start,
    async run(bundle, entrypoint, options) {
      const container = await start(bundle, entrypoint, options);
      const code = await container.exited;
      return { code, output: container.output() };
    },
    removeAll,
  };
}
