import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { findFreePort } from "../local-cluster/free-port.js";
import { ManagedProcess } from "../local-cluster/index.js";
import { findMonitoringBinaries } from "./binaries.js";
import { MonitoringError } from "./errors.js";
import { probeReady, stateDir, stopper, type StopServerOptions } from "./readiness.js";

/** What a test Prometheus scrapes, evaluates and alerts to. Only `scrapeTargets` is required. */
export interface PrometheusOptions {
  /** State dir (config, rules, TSDB, log). Default: a fresh `mkdtemp` under the OS temp dir. */
  readonly dir?: string;
  /** The server binary. Default: `prometheus` found by `findMonitoringBinaries()`. */
  readonly binary?: string;
  /** `host:port` pairs scraped over HTTP at `/metrics`, as one job. */
  readonly scrapeTargets: readonly string[];
  /** Content of the rule file (a Prometheus `groups:` YAML document). Default: no rules. */
  readonly rules?: string;
  /** The scrape job's name, which becomes the `job` label. Default `stagegate-test`. */
  readonly jobName?: string;
  /** Default 1; the scrape timeout equals it. */
  readonly scrapeIntervalSeconds?: number;
  /** How often rules are evaluated. Default 1. */
  readonly evaluationIntervalSeconds?: number;
  /** Alertmanager base URL (`http://127.0.0.1:PORT`) to send alerts to. Default: none. */
  readonly alertmanagerUrl?: string;
  /** `--rules.alert.resend-delay`: how often still-firing alerts are re-sent. Default `1s` (Prometheus: 1m). */
  readonly alertResendDelay?: string;
  /** Bound on the wait for `/-/ready`. Default 60 s. */
  readonly startTimeoutMs?: number;
}

/** A running Prometheus, as returned by {@link startPrometheus}. */
export interface StartedPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  readonly configFile: string;
  readonly rulesFile: string;
  readonly process: ManagedProcess;
  /**
   * Replaces the rule file and reloads through `POST /-/reload`. If Prometheus rejects the rules it keeps the
   * old ones, the old file is put back, and this throws.
   */
  reloadRules(rules: string): Promise<void>;
  /** Stops the process and removes the state dir unless `keepLogs`. Safe to call twice. */
  stop(options?: StopServerOptions): Promise<void>;
}

/** The Prometheus config file for the given options, as YAML. */
export function prometheusConfig(options: PrometheusOptions, rulesFile: string): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: interval,
      scrape_timeout: interval,
      evaluation_interval: `${options.evaluationIntervalSeconds ?? 1}s`,
    },
    rule_files: [rulesFile],
    scrape_configs: [
      {
        job_name: options.jobName ?? "stagegate-test",
        static_configs: [{ targets: [...options.scrapeTargets] }],
      },
    ],
  };
  if (options.alertmanagerUrl !== undefined) {
    const url = new URL(options.alertmanagerUrl);
    config.alerting = {
      alertmanagers: [
        {
          api_version: "v2",
          scheme: url.protocol.replace(":", ""),
          path_prefix: url.pathname,
          static_configs: [{ targets: [url.host] }],
        },
      ],
    };
  }
  return stringify(config);
}

/**
 * Starts Prometheus on a free loopback port with its own config, rule file and TSDB in the state dir and the
 * lifecycle API enabled, and waits until `/-/ready` answers 200. On failure it kills the process, keeps the
 * state dir and throws with the log tail.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<StartedPrometheus> {
  const binary = options.binary ?? findMonitoringBinaries().prometheus;
  if (binary === undefined) {
    throw new MonitoringError("prometheus is not installed; run `make monitoring-tools` (as root).");
  }
  const dir = await stateDir(options.dir, "stagegate-prometheus-");
  const configFile = join(dir, "prometheus.yml");
  const rulesFile = join(dir, "rules.yml");
  await writeFile(rulesFile, options.rules ?? "groups: []\n");
  await writeFile(configFile, prometheusConfig(options, rulesFile));
  const url = `http://127.0.0.1:${await findFreePort()}`;
  const process = new ManagedProcess({
    name: "prometheus",
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=${new URL(url).host}`,
      `--web.external-url=${url}`,
      "--web.enable-lifecycle",
      `--rules.alert.resend-delay=${options.alertResendDelay ?? "1s"}`,
      // Debian's defaults point at /etc/prometheus; nothing here uses consoles, so keep them in the state dir.
      `--web.console.templates=${join(dir, "consoles")}`,
      `--web.console.libraries=${join(dir, "console_libraries")}`,
    ],
    logFile: join(dir, "prometheus.log"),
    readiness: { probe: () => probeReady(url), timeoutMs: options.startTimeoutMs ?? 60_000 },
  });
  try {
    await process.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MonitoringError(`Prometheus failed to start; state and log kept in ${dir}.\n${message}`, {
      cause: error,
    });
  }
  return {
    url,
    dir,
    configFile,
    rulesFile,
    process,
    async reloadRules(rules) {
      const previous = await readFile(rulesFile, "utf8");
      await writeFile(rulesFile, rules);
      const response = await fetch(`${url}/-/reload`, {
        method: "POST",
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) {
        // Prometheus keeps serving the old rules; the file on disk must match them for a later restart.
        await writeFile(rulesFile, previous);
        throw new MonitoringError(
          `Prometheus rejected the new rules (POST /-/reload answered ${response.status}): ${await response.text()}`,
        );
      }
    },
    stop: stopper(process, dir),
  };
}
