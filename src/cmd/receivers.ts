import path from "node:path";
import type { Registry } from "prom-client";
import type { AuditRecorder } from "../audit/recorder.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { TokenFile } from "../receivers/bearer-tokens.js";
import { PIPELINE_EVENTS_PATH, pipelineEventsRoute } from "../receivers/pipeline-events-route.js";
import { createPipelineEventMetrics } from "../receivers/pipeline-metrics.js";
import { startReceiverServer, type ReceiverServer } from "../receivers/server.js";
import { ConfigError, type RunConfig } from "./config.js";

/** How often the token file is checked for rotation. */
const TOKEN_RELOAD_INTERVAL_MS = 10_000;

/** A running receivers server and what it watches; `close` stops both. */
export interface RunningReceivers {
  port: number;
  close(): Promise<void>;
}

async function openTokens(file: string | undefined, log: Logger): Promise<TokenFile | undefined> {
  if (file === undefined) return undefined;
  try {
    return await TokenFile.open(file, { intervalMs: TOKEN_RELOAD_INTERVAL_MS, log });
  } catch (err) {
    throw new ConfigError(
      `cannot read --pipeline-events-token-file: ${(err as Error).message}. Mount the Secret holding the ` +
        "pipeline's bearer tokens (one per line) at that path.",
    );
  }
}

/**
 * Starts the event receivers on this replica (every replica serves them: each event is acted on with
 * idempotent writes, so replicas never race), over HTTPS with the certificate of `--webhook-cert-dir`. Routes:
 * `POST /pipeline-events` (disabled, answering 404 with the fix, without `--pipeline-events-token-file`).
 * Returns undefined when `--events-bind-address=0`.
 */
export async function startReceivers(
  config: RunConfig,
  deps: { client: KubeClient; audit: AuditRecorder; log: Logger; registry: Registry },
): Promise<RunningReceivers | undefined> {
  if (config.eventsAddress === "0") return undefined;
  const { client, audit, log } = deps;
  const tokens = await openTokens(config.pipelineEventsTokenFile, log);
  let server: ReceiverServer;
  try {
    server = await startReceiverServer({
      address: config.eventsAddress,
      certFile: path.join(config.webhookCertDir, "tls.crt"),
      keyFile: path.join(config.webhookCertDir, "tls.key"),
      routes: {
        [PIPELINE_EVENTS_PATH]: pipelineEventsRoute({
          client,
          audit,
          log,
          metrics: createPipelineEventMetrics(deps.registry),
          tokens,
          ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
        }),
      },
      log,
    });
  } catch (err) {
    tokens?.close();
    throw new ConfigError(
      `cannot serve the event receivers on ${config.eventsAddress}: ${(err as Error).message}. Put tls.crt and ` +
        "tls.key in --webhook-cert-dir, or pass --events-bind-address=0 to run without event receivers.",
    );
  }
  if (tokens === undefined) {
    log.warn(
      { path: PIPELINE_EVENTS_PATH },
      "Disabled the pipeline events endpoint: no --pipeline-events-token-file was given",
    );
  }
  log.info({ eventsPort: server.port, pipelineEvents: tokens !== undefined }, "Serving event receivers");
  return {
    port: server.port,
    async close() {
      tokens?.close();
      await server.close();
    },
  };
}
