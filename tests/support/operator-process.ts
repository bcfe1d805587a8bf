import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IMAGE_ENV } from "../../hack/image/image-config.js";
import { TEST_BUILD_ENV, commandArgs } from "../../hack/test-build.js";
import { waitFor } from "./kube.js";
import { TEST_ROLLBACK_SEAL_KEY } from "./rollback-seal.js";
import { metricsText, writeSelfSignedMetricsCert, type MetricsEndpoint } from "./operator-metrics.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A running `stagegate run` process started by a test, with its JSON log. */
export interface OperatorProcess {
  child: ChildProcess;
  logFile: string;
  /** This process's audit trail (unless the flags named another). */
  auditFile: string;
  /** The CA the metrics server's certificate chains to (a self-signed certificate made for this process). */
  metricsCaPem: string;
  /** Where /metrics is served, once the process logged it (waits for the log line). */
  metricsEndpoint(): Promise<MetricsEndpoint>;
  /** Scrapes /metrics as the local cluster's metrics reader. */
  metrics(): Promise<string>;
  /** Parsed log lines so far. */
  logs(): Record<string, unknown>[];
  /** Waits for a log line whose `msg` equals `message` (and whose fields include `fields`). */
  waitForLog(
    message: string,
    fields?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGKILL: no cleanup, as a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** How the operator process runs its code. */
export interface OperatorProcessOptions {
  /**
   * `source` (the default): src/cmd/stagegate.ts through tsx, or as `make test` compiled it for the run
   * (STAGEGATE_TEST_BUILD, ADR 0061), with the test's own environment. `compiled`: dist/cmd/stagegate.js, the output of
   * `tsc -p tsconfig.build.json` that the image runs, with the image's NODE_ENV and NODE_OPTIONS; the caller
   * builds dist/ first.
   */
  entry?: "source" | "compiled";
  /**
   * Whether the compiled operator runs with the image's NODE_OPTIONS (the default) or with V8's defaults, for a
   * benchmark that measures what those flags change. Ignored for `source`.
   */
  imageNodeOptions?: boolean;
  /**
   * Node's own arguments, before the entry point: for a benchmark that reads the process from outside (the scale
   * benchmark's `--inspect=127.0.0.1:0`, for a heap reading after a forced GC). None by default.
   */
  nodeArgs?: readonly string[];
}

/** The node arguments before `run` that start the CLI from its sources or from its compiled output. */
function entryArgs(entry: "source" | "compiled"): string[] {
  return entry === "compiled"
    ? [path.join(repo, "dist/cmd/stagegate.js")]
    : commandArgs(repo, "stagegate", process.env[TEST_BUILD_ENV]);
}

/**
 * The environment of the compiled operator: the image's NODE_ENV and Node flags (hack/image/image-config.ts), so a
 * benchmark measures the process the image runs. The caller's own NODE_OPTIONS (a profiler, another flag to compare)
 * come after the image's, so a flag given twice takes the caller's value.
 */
function compiledEnv(imageNodeOptions: boolean): NodeJS.ProcessEnv {
  const image = Object.fromEntries(
    IMAGE_ENV.filter((pair) => !pair.startsWith("PATH=")).map((pair) => {
      const eq = pair.indexOf("=");
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
  const nodeOptions = [imageNodeOptions ? image.NODE_OPTIONS : undefined, process.env.NODE_OPTIONS].filter(
    (o) => o !== undefined && o !== "",
  );
  return { ...process.env, ...image, NODE_OPTIONS: nodeOptions.join(" ") };
}

/**
 * Starts the operator as its own process with `stagegate run` and the given flags. Webhooks, event receivers and
 * the admission guard are off unless the flags turn them on (a later flag wins); /metrics is HTTPS with a
 * self-signed certificate made for the process.
 */
export function startOperator(
  kubeconfig: string,
  flags: string[] = [],
  options: OperatorProcessOptions = {},
): OperatorProcess {
  const entry = options.entry ?? "source";
  const dir = mkdtempSync(path.join(tmpdir(), "stagegate-operator-"));
  const logFile = path.join(dir, "operator.log");
  const auditFile = path.join(dir, "audit.jsonl");
  // The tests' seal key, so a test can open a Rollback task as the operator does (tests/support/rollback-task.ts).
  const sealKeyFile = path.join(dir, "rollback-seal.key");
  writeFileSync(sealKeyFile, TEST_ROLLBACK_SEAL_KEY, { mode: 0o600 });
  const metricsCertDir = path.join(dir, "metrics-certs");
  const metricsCaPem = writeSelfSignedMetricsCert(metricsCertDir);
  const out = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...entryArgs(entry),
      "run",
      `--kubeconfig=${kubeconfig}`,
      "--health-probe-bind-address=127.0.0.1:0",
      "--metrics-bind-address=127.0.0.1:0",
      `--metrics-cert-dir=${metricsCertDir}`,
      `--audit-log=${auditFile}`,
      "--webhook-bind-address=0",
      "--events-bind-address=0",
      `--rollback-seal-key-file=${sealKeyFile}`,
      // No webhooks, nothing for the guard to find; tests/support/e2e-operator.ts turns it on with its webhooks.
      "--admission-guard=false",
      ...flags,
    ],
    {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
      env: entry === "compiled" ? compiledEnv(options.imageNodeOptions ?? true) : process.env,
    },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  process.once("exit", () => child.kill("SIGKILL"));

  const logs = (): Record<string, unknown>[] =>
    readFileSync(logFile, "utf8")
      .split("\n")
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const waitForLog = (message: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000) =>
    waitFor(
      `operator log "${message}" in ${logFile}`,
      () =>
        logs().find(
          (line) => line.msg === message && Object.entries(fields).every(([k, v]) => line[k] === v),
        ),
      { timeoutMs },
    );
  const metricsEndpoint = async (): Promise<MetricsEndpoint> => {
    const serving = await waitForLog("Serving probes and metrics");
    return { url: `https://127.0.0.1:${Number(serving.metricsPort)}/metrics`, caPem: metricsCaPem };
  };
  return {
    child,
    logFile,
    auditFile,
    metricsCaPem,
    metricsEndpoint,
    metrics: async () => metricsText(await metricsEndpoint()),
    logs,
    waitForLog,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
