import { readFile } from "node:fs/promises";
import type { Registry } from "prom-client";
import { createPushMetrics } from "../audit/push/metrics.js";
import { PushPositionStore } from "../audit/push/position.js";
import { AuditPusher } from "../audit/push/pusher.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { openFeedSource } from "./audit-feed.js";
import { ConfigError, type RunConfig } from "./config.js";

/** The shortest push key accepted: an HMAC-SHA256 key of fewer than 32 bytes is weaker than the hash. */
const MIN_KEY_BYTES = 32;

/**
 * The audit push as a leader task, when `--audit-push-url` is set: reads the record as the feed does, and keeps its
 * position in the ConfigMap stagegate-audit-push of the leader-election namespace. A key or CA file that cannot
 * be read stops the start, naming the flag.
 */
export async function auditPushTask(
  config: RunConfig,
  deps: { client: KubeClient; log: Logger; registry: Registry },
): Promise<{ run(signal: AbortSignal): Promise<void>; close(): Promise<void> } | undefined> {
  if (config.auditPushUrl === undefined || config.auditPushKeyFile === undefined) return undefined;
  let key: Buffer;
  let caPem: string | undefined;
  try {
    key = await readFile(config.auditPushKeyFile);
  } catch (err) {
    throw new ConfigError(`cannot read --audit-push-key-file: ${(err as Error).message}`);
  }
  if (key.length < MIN_KEY_BYTES) {
    throw new ConfigError(
      `--audit-push-key-file holds ${key.length} bytes; use at least ${MIN_KEY_BYTES} random bytes ` +
        "(for example: openssl rand -out push.key 32)",
    );
  }
  if (config.auditPushCaFile !== undefined) {
    try {
      caPem = await readFile(config.auditPushCaFile, "utf8");
    } catch (err) {
      throw new ConfigError(`cannot read --audit-push-ca-file: ${(err as Error).message}`);
    }
  }
  const source = await openFeedSource(config);
  const pusher = new AuditPusher({
    source,
    positions: new PushPositionStore(deps.client, config.leaderElectionNamespace),
    endpoint: { url: new URL(config.auditPushUrl), key, ...(caPem === undefined ? {} : { caPem }) },
    batch: config.auditPushBatch,
    maxAttempts: config.auditPushMaxAttempts,
    metrics: createPushMetrics(deps.registry),
    log: deps.log,
  });
  return { run: (signal) => pusher.run(signal), close: () => source.close() };
}
