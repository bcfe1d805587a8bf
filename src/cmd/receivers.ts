import type { Registry } from "prom-client";
import type { AuditRecorder } from "../audit/recorder.js";
import type { Informers } from "../controllers/informers.js";
import type { RollbackSeal } from "../controllers/rollback/seal.js";
import type { Clock } from "../runtime/clock.js";
import type { EventRecorder } from "../runtime/events.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import type { ServingCertificateSource } from "../runtime/serving-certificate.js";
import { createAlertMetrics } from "../receivers/alertmanager-metrics.js";
import { ALERTMANAGER_PATH, alertmanagerRoute } from "../receivers/alertmanager-route.js";
import { TokenFile } from "../receivers/bearer-tokens.js";
import { PIPELINE_EVENTS_PATH, pipelineEventsRoute } from "../receivers/pipeline-events-route.js";
import { createPipelineEventMetrics } from "../receivers/pipeline-metrics.js";
import { startReceiverServer, type ReceiverServer } from "../receivers/server.js";
import { ConfigError, type RunConfig } from "./config.js";

/** How often the token files are checked for rotation. */
const TOKEN_RELOAD_INTERVAL_MS = 10_000;

/** A running receivers server and what it watches; `close` stops both. */
export interface RunningReceivers {
  port: number;
  close(): Promise<void>;
}

/** What the receivers need from the operator: the client, the shared caches, the audit trail, metrics. */
export interface ReceiverDeps {
  client: KubeClient;
  audit: AuditRecorder;
  log: Logger;
  registry: Registry;
  /** The shared informers (run on every replica): the Alertmanager route matches alerts from the releases cache. */
  informers: Informers;
  /** Seals the Rollback tasks the Alertmanager route opens (the controllers' seal). */
  rollbackSeal: RollbackSeal;
  /** The controllers' clock and Event recorder: the Alertmanager route records the Manual notice with its task. */
  clock: Clock;
  events: EventRecorder;
  /** The serving certificate (`--cert-source`), the webhooks' own. */
  certificates: ServingCertificateSource;
}

async function openTokens(
  flag: string,
  file: string | undefined,
  sender: string,
  log: Logger,
): Promise<TokenFile | undefined> {
  if (file === undefined) return undefined;
  try {
    return await TokenFile.open(file, { intervalMs: TOKEN_RELOAD_INTERVAL_MS, log });
  } catch (err) {
    throw new ConfigError(
      `cannot read --${flag}: ${(err as Error).message}. Mount the Secret holding the ${sender}'s bearer ` +
        "tokens (one per line) at that path.",
    );
  }
}

/**
 * Starts the event receivers on this replica (every replica serves them: each event is acted on with
 * idempotent writes, so replicas never race), over HTTPS with the webhooks' certificate (`--cert-source`). Routes:
 * `POST /pipeline-events` and `POST /alertmanager`, each disabled (answering 404 with the fix) without its token
 * file flag. Returns undefined when `--events-bind-address=0`.
 */
export async function startReceivers(
  config: RunConfig,
  deps: ReceiverDeps,
): Promise<RunningReceivers | undefined> {
  if (config.eventsAddress === "0") return undefined;
  const { client, audit, log } = deps;
  const tokens = await openTokens(
    "pipeline-events-token-file",
    config.pipelineEventsTokenFile,
    "pipeline",
    log,
  );
  let alertTokens: TokenFile | undefined;
  let server: ReceiverServer;
  try {
    alertTokens = await openTokens(
      "alertmanager-token-file",
      config.alertmanagerTokenFile,
      "Alertmanager",
      log,
    );
    server = await startReceiverServer({
      address: config.eventsAddress,
      certificates: deps.certificates,
      routes: {
        [PIPELINE_EVENTS_PATH]: pipelineEventsRoute({
          client,
          audit,
          log,
          metrics: createPipelineEventMetrics(deps.registry),
          tokens,
          ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
        }),
        [ALERTMANAGER_PATH]: alertmanagerRoute({
          client,
          audit,
          log,
          metrics: createAlertMetrics(deps.registry),
          tokens: alertTokens,
          releases: deps.informers.releases,
          seal: deps.rollbackSeal,
          notice: { informers: deps.informers, clock: deps.clock, events: deps.events },
        }),
      },
      log,
    });
  } catch (err) {
    tokens?.close();
    alertTokens?.close();
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      `cannot serve the event receivers on ${config.eventsAddress}: ${(err as Error).message}. Pass ` +
        "--events-bind-address=0 to run without event receivers.",
    );
  }
  if (tokens === undefined) {
    log.warn(
      { path: PIPELINE_EVENTS_PATH },
      "Disabled the pipeline events endpoint: no --pipeline-events-token-file was given",
    );
  }
  if (alertTokens === undefined) {
    log.warn(
      { path: ALERTMANAGER_PATH },
      "Disabled the Alertmanager endpoint: no --alertmanager-token-file was given",
    );
  }
  log.info(
    {
      eventsPort: server.port,
      pipelineEvents: tokens !== undefined,
      alertmanager: alertTokens !== undefined,
    },
    "Serving event receivers",
  );
  return {
    port: server.port,
    async close() {
      tokens?.close();
      alertTokens?.close();
      await server.close();
    },
  };
}
