import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { findFreePort } from "../local-cluster/free-port.js";
import { ManagedProcess } from "../local-cluster/index.js";
import { findMonitoringBinaries } from "./binaries.js";
import { MonitoringError } from "./errors.js";
import { probeReady, stateDir, stopper, type StopServerOptions } from "./readiness.js";

/** The receiver name every alert is routed to; it appears as `receiver` in the webhook payload. */
export const WEBHOOK_RECEIVER = "stagegate-webhook";

/** Where a test Alertmanager delivers, and how fast. Only `webhookUrl` is required. */
export interface AlertmanagerOptions {
  /** State dir (config, notification log, silences, log). Default: a fresh `mkdtemp` under the OS temp dir. */
  readonly dir?: string;
  /** The server binary. Default: `prometheus-alertmanager` (Debian) or `alertmanager`, found on the PATH. */
  readonly binary?: string;
  /** Where the one receiver POSTs its version-4 webhook payloads. */
  readonly webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>`. Default: no Authorization header. */
  readonly bearerToken?: string;
  /** Labels that split alerts into notification groups. Default `["alertname"]`. */
  readonly groupBy?: readonly string[];
  /** Wait before the first notification of a new group. Default `1s` (Alertmanager: 30s). */
  readonly groupWait?: string;
  /** Wait before notifying about changes to a group, and the retry budget of a failing send. Default `1s`. */
  readonly groupInterval?: string;
  /** Wait before re-sending an unchanged firing group. Default `1h`, so tests see no repeats. */
  readonly repeatInterval?: string;
  /** CA bundle (PEM file) that signs an HTTPS webhook's serving certificate. */
  readonly tlsCaFile?: string;
  /** Skip verification of an HTTPS webhook's certificate. Default false. */
  readonly insecureSkipVerify?: boolean;
  /** Bound on the wait for `/-/ready`. Default 60 s. */
  readonly startTimeoutMs?: number;
}

/** A running Alertmanager, as returned by {@link startAlertmanager}. */
export interface StartedAlertmanager {
  /** `http://127.0.0.1:<port>`, also its `--web.external-url` (the payload's `externalURL`). */
  readonly url: string;
  readonly dir: string;
  readonly configFile: string;
  readonly process: ManagedProcess;
  /** Stops the process and removes the state dir unless `keepLogs`. Safe to call twice. */
  stop(options?: StopServerOptions): Promise<void>;
}

/** The Alertmanager config file for the given options, as YAML: one route to one webhook receiver. */
export function alertmanagerConfig(options: AlertmanagerOptions): string {
  const httpConfig: Record<string, unknown> = {};
  if (options.bearerToken !== undefined) {
    httpConfig.authorization = { type: "Bearer", credentials: options.bearerToken };
  }
  if (options.tlsCaFile !== undefined || options.insecureSkipVerify !== undefined) {
    httpConfig.tls_config = {
      ...(options.tlsCaFile !== undefined ? { ca_file: options.tlsCaFile } : {}),
      insecure_skip_verify: options.insecureSkipVerify ?? false,
    };
  }
  return stringify({
    route: {
      receiver: WEBHOOK_RECEIVER,
      group_by: [...(options.groupBy ?? ["alertname"])],
      group_wait: options.groupWait ?? "1s",
      group_interval: options.groupInterval ?? "1s",
      repeat_interval: options.repeatInterval ?? "1h",
    },
    receivers: [
      {
        name: WEBHOOK_RECEIVER,
        webhook_configs: [{ url: options.webhookUrl, send_resolved: true, http_config: httpConfig }],
      },
    ],
  });
}

/**
 * Starts Alertmanager on a free loopback port with its config and storage in the state dir and clustering
 * off (`--cluster.listen-address=` empty, so nothing listens on 0.0.0.0:9094), and waits until `/-/ready`
 * answers 200. On failure it kills the process, keeps the state dir and throws with the log tail.
 */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<StartedAlertmanager> {
  const binary = options.binary ?? findMonitoringBinaries().alertmanager;
  if (binary === undefined) {
    throw new MonitoringError(
      "prometheus-alertmanager is not installed; run `make monitoring-tools` (as root).",
    );
  }
  const dir = await stateDir(options.dir, "stagegate-alertmanager-");
  const configFile = join(dir, "alertmanager.yml");
  await writeFile(configFile, alertmanagerConfig(options));
  const url = `http://127.0.0.1:${await findFreePort()}`;
  const process = new ManagedProcess({
    name: "alertmanager",
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=${new URL(url).host}`,
      `--web.external-url=${url}`,
      "--cluster.listen-address=",
    ],
    logFile: join(dir, "alertmanager.log"),
    readiness: { probe: () => probeReady(url), timeoutMs: options.startTimeoutMs ?? 60_000 },
  });
  try {
    await process.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MonitoringError(`Alertmanager failed to start; state and log kept in ${dir}.\n${message}`, {
      cause: error,
    });
  }
  return { url, dir, configFile, process, stop: stopper(process, dir) };
}
