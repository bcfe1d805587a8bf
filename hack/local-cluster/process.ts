import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { LocalClusterError } from "./errors.js";
import { pollUntil } from "./poll.js";

/** How a {@link ManagedProcess} is launched and how it proves it is ready to serve. */
export interface ProcessSpec {
  /** Short name used in messages and log headers, e.g. `etcd`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here, across restarts. */
  readonly logFile: string;
  /** Start in its own session and let it outlive this Node process (used by `hack/cluster.ts up`). */
  readonly detached?: boolean;
  /** Resolves true once the process serves; `start()` and `restart()` wait for it within `timeoutMs`. */
  readonly readiness?: { readonly probe: () => Promise<boolean>; readonly timeoutMs: number };
}

/** How a process ended, as reported by the kernel. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((path) => existsSync(path));
const attached = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every attached child synchronously when this Node process exits, so none outlives a test run. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of attached) child.kill("SIGKILL");
  });
}

const TAIL_BYTES = 64 * 1024;

/** The last `lines` lines of a log file, reading at most its last 64 KiB; a missing file yields a note. */
function readLogTail(path: string, lines: number): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return `(no log at ${path})`;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString("utf8").replace(/\s+$/, "");
    return text.split("\n").slice(-lines).join("\n");
  } finally {
    closeSync(fd);
  }
}

/**
 * A child process the tests can start, kill, stop, pause, resume and restart with the same arguments, with
 * its output in a log file. Unless detached, it dies with this Node process: by SIGKILL from an exit hook,
 * and (where util-linux `setpriv` exists) by the kernel's parent-death signal even if Node is SIGKILLed.
 */
export class ManagedProcess {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private lastExit: ExitInfo | undefined;

  constructor(private readonly spec: ProcessSpec) {
    this.name = spec.name;
    this.command = spec.command;
    this.args = spec.args;
    this.logFile = spec.logFile;
  }

  /** The pid of the running process, or `undefined` when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** True from a successful spawn until the kernel reports the exit. */
  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  /** Spawns the process and waits for its readiness probe; on failure it kills it and throws with the log tail. */
  async start(): Promise<void> {
    if (this.running)
      throw new LocalClusterError(`${this.name} is already running (pid ${this.child?.pid}).`);
    const commandLine = [this.command, ...this.args].join(" ");
    appendFileSync(this.logFile, `\n=== ${new Date().toISOString()} starting ${this.name}: ${commandLine}\n`);
    const fd = openSync(this.logFile, "a");
    const useSetpriv = SETPRIV !== undefined && !this.spec.detached;
    const [file, argv] = useSetpriv
      ? [SETPRIV, ["--pdeathsig", "KILL", "--", this.command, ...this.args]]
      : [this.command, [...this.args]];
    let child: ChildProcess;
    try {
      child = spawn(file, argv, { stdio: ["ignore", fd, fd], detached: this.spec.detached ?? false });
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", reject);
      });
    } catch (error) {
      throw new LocalClusterError(`Could not spawn ${this.name} (${this.command}).`, { cause: error });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.lastExit = undefined;
    child.once("exit", (code, signal) => {
      attached.delete(child);
      this.lastExit = { code, signal };
    });
    if (this.spec.detached) {
      child.unref();
    } else {
      attached.add(child);
      installExitHook();
    }
    await this.awaitReadiness();
  }

  /** Sends SIGKILL and waits until the kernel reports the exit. A process that is not running is left alone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGKILL");
    await this.waitForExit(10_000);
  }

  /** Sends SIGTERM (and SIGCONT, in case it is paused), then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGTERM");
    this.child?.kill("SIGCONT");
    try {
      await this.waitForExit(graceMs);
    } catch {
      await this.kill();
    }
  }

  /** Freezes the process with SIGSTOP: it holds its ports and state but answers nothing until {@link resume}. */
  pause(): void {
    this.signalRunning("SIGSTOP");
  }

  /** Thaws a process frozen by {@link pause}. */
  resume(): void {
    this.signalRunning("SIGCONT");
  }

  /** Stops the process if it runs, then starts it again with the same command, arguments and log file. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Resolves with the exit status once the process has ended, or throws after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo> {
    if (this.child === undefined) throw new LocalClusterError(`${this.name} was never started.`);
    return pollUntil(`${this.name} to exit`, () => this.lastExit, { timeoutMs, intervalMs: 20 });
  }

  /** The last lines of the log file, for error messages. */
  logTail(lines = 30): string {
    return readLogTail(this.logFile, lines);
  }

  private signalRunning(signal: NodeJS.Signals): void {
    if (!this.running)
      throw new LocalClusterError(`Cannot send ${signal} to ${this.name}: it is not running.`);
    this.child?.kill(signal);
  }

  private async awaitReadiness(): Promise<void> {
    const readiness = this.spec.readiness;
    if (readiness === undefined) return;
    try {
      await pollUntil(
        `${this.name} to become ready`,
        async () => {
          if (this.lastExit !== undefined) {
            const { code, signal } = this.lastExit;
            throw new LocalClusterError(
              `${this.name} exited during startup (code ${code}, signal ${signal}). Last log lines from ${this.logFile}:\n${this.logTail()}`,
            );
          }
          return (await readiness.probe()) ? true : undefined;
        },
        {
          timeoutMs: readiness.timeoutMs,
          intervalMs: 100,
          describeFailure: () => `Last log lines from ${this.logFile}:\n${this.logTail()}`,
        },
      );
    } catch (error) {
      await this.kill();
      throw error;
    }
  }
}
