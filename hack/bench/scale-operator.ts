// The operator under test as the image runs it: compiled JavaScript (dist/cmd/stagegate.js from
// `tsc -p tsconfig.build.json`) with its real flags (leader election on, every namespace watched, probes and
// HTTPS /metrics), as its own process. /metrics is scraped as Prometheus would, with the token of the local
// cluster's metrics-scraper ServiceAccount.
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { LocalCluster } from "../local-cluster/index.js";
import { waitFor } from "../../tests/support/kube.js";
import { scrape, type MetricsEndpoint } from "../../tests/support/operator-metrics.js";
import { startOperator, type OperatorProcess } from "../../tests/support/operator-process.js";
import { heapUsedAfterGc, inspectorUrl } from "./inspector-gc.js";
import { processMemory, type ProcessMemory } from "./process-memory.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** How long the operator may take to stop cleanly before it is killed. */
const STOP_GRACE_MS = 15_000;

/** Compiles src/ into dist/ as the image build does (`tsc -p tsconfig.build.json`). */
export async function buildOperator(): Promise<void> {
  const tsc = path.join(repo, "node_modules", "typescript", "bin", "tsc");
  await promisify(execFile)(process.execPath, [tsc, "-p", path.join(repo, "tsconfig.build.json")], {
    cwd: repo,
  });
}

/** A bearer token of stagegate-system/metrics-scraper, which the shipped metrics-reader role lets scrape. */
export async function scraperToken(cluster: LocalCluster): Promise<string> {
  const result = await cluster.kubectl("admin", [
    "-n",
    "stagegate-system",
    "create",
    "token",
    "metrics-scraper",
    "--duration=6h",
  ]);
  if (result.code !== 0) throw new Error(`kubectl create token failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** One running operator process and what the benchmark reads from it. */
export class ScaleOperator {
  private constructor(
    readonly process: OperatorProcess,
    private readonly endpoint: MetricsEndpoint,
    private readonly probePort: number,
    private readonly token: string,
    /** performance.now() when the process was spawned. */
    readonly spawnedAt: number,
  ) {}

  /**
   * Spawns the compiled operator and waits until it serves its probes and metrics (not until it is ready).
   * `auditLog` is its trail, with the archive beside it: one path kept across restarts, as a volume keeps
   * /var/lib/stagegate in a cluster. `inspector`: Node's inspector listens on a free loopback port, with no session
   * attached until {@link heapUsedAfterGc} opens one for a reading.
   */
  static async start(
    kubeconfig: string,
    token: string,
    { logLevel, auditLog, inspector = false }: { logLevel: string; auditLog: string; inspector?: boolean },
  ): Promise<ScaleOperator> {
    const spawnedAt = performance.now();
    const process = startOperator(kubeconfig, [`--log-level=${logLevel}`, `--audit-log=${auditLog}`], {
      entry: "compiled",
      nodeArgs: inspector ? ["--inspect=127.0.0.1:0"] : [],
    });
    try {
      const serving = await process.waitForLog("Serving probes and metrics", {}, 60_000);
      const endpoint = {
        url: `https://127.0.0.1:${Number(serving.metricsPort)}/metrics`,
        caPem: process.metricsCaPem,
      };
      return new ScaleOperator(process, endpoint, Number(serving.probePort), token, spawnedAt);
    } catch (err) {
      await process.kill();
      throw err;
    }
  }

  /** The process id, for /proc. */
  get pid(): number {
    return this.process.child.pid ?? -1;
  }

  /** The /metrics body; throws when the scrape is refused. */
  async metrics(): Promise<string> {
    const { status, body } = await scrape(this.endpoint, this.token);
    if (status !== 200) throw new Error(`Scraping /metrics answered ${status}: ${body}`);
    return body;
  }

  /** VmRSS and VmHWM now. */
  memory(): Promise<ProcessMemory> {
    return processMemory(this.pid);
  }

  /**
   * V8's used heap after two forced full GCs, through the inspector (started with `inspector`); the session is
   * closed before this returns.
   */
  async heapUsedAfterGc(): Promise<number> {
    const url = inspectorUrl(await readFile(this.process.logFile, "utf8"));
    if (url === undefined)
      throw new Error(
        `No inspector URL in ${this.process.logFile}: was the operator started with its inspector?`,
      );
    return heapUsedAfterGc(url);
  }

  /** Whether /readyz answers 200. */
  async ready(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.probePort}/readyz`);
      await response.text();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /**
   * Waits until /readyz answers 200 and the release controller's workers have started (it leads), and returns
   * both moments in ms since the spawn.
   */
  async waitUntilLeading(timeoutMs: number): Promise<{ readyMs: number; leadingMs: number }> {
    await waitFor("the operator's /readyz", async () => ((await this.ready()) ? true : undefined), {
      timeoutMs,
      intervalMs: 25,
    });
    const readyMs = performance.now() - this.spawnedAt;
    await this.process.waitForLog("Started workers", { controller: "release" }, timeoutMs);
    return { readyMs, leadingMs: performance.now() - this.spawnedAt };
  }

  /** SIGTERM (the lease is released), SIGKILL after a grace period; removes its folder unless `keepLogs`. */
  async stop(keepLogs: boolean): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), STOP_GRACE_MS)));
    try {
      if ((await Promise.race([this.process.stop(), late])) === "late") await this.process.kill();
    } finally {
      clearTimeout(timer);
    }
    if (keepLogs) console.error(`Kept the operator's log in ${this.process.logFile}`);
    else await rm(path.dirname(this.process.logFile), { recursive: true, force: true });
  }
}
