import { Counter, Gauge, type Registry } from "prom-client";
import type { AuditCheckpointer } from "../audit/checkpoints/publisher.js";
import type { SigningKey } from "../audit/checkpoints/signing-key.js";
import type { tableEnds } from "../audit/postgres/table-facts.js";
import { realClock } from "../runtime/clock.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { auditDatabaseConnection } from "./audit-store.js";
import { ConfigError, type RunConfig } from "./config.js";

/**
 * The signer of this replica's audit checkpoints (of its file trail, or of the shared database chain), from `--audit-signing-key-file`; undefined without the flag
 * (the trail is then protected by its hash chain alone). A key that does not load is a configuration error.
 */
export async function auditCheckpointer(
  config: RunConfig,
  client: KubeClient,
  log: Logger,
  registry: Registry,
): Promise<AuditCheckpointer | undefined> {
  const file = config.auditSigningKeyFile;
  if (file === undefined) return undefined;
  // Loaded only for a replica that signs checkpoints.
  const [{ AuditCheckpointer }, { DATABASE_CHECKPOINT_WRITER }, { loadSigningKey, SigningKeyError }] =
    await Promise.all([
      import("../audit/checkpoints/publisher.js"),
      import("../audit/checkpoints/checkpoint.js"),
      import("../audit/checkpoints/signing-key.js"),
    ]);
  let key: SigningKey;
  try {
    key = await loadSigningKey(file);
  } catch (err) {
    if (err instanceof SigningKeyError) throw new ConfigError(`--audit-signing-key-file: ${err.message}`);
    throw err;
  }
  const failures = new Counter({
    name: "stagegate_audit_checkpoint_failures_total",
    help: "Audit checkpoints this replica could not publish (each is tried again with the next entries)",
    registers: [registry],
  });
  const covered = new Gauge({
    name: "stagegate_audit_checkpoint_seq",
    help: "The last audit entry of this replica's trail a published checkpoint vouches for",
    registers: [registry],
  });
  const namespace = config.auditCheckpointNamespace ?? config.leaderElectionNamespace;
  log.info({ keyId: key.keyId, namespace }, "Signing audit checkpoints");
  return new AuditCheckpointer({
    client,
    namespace,
    writer: config.auditDatabaseUrl === undefined ? config.identity : DATABASE_CHECKPOINT_WRITER,
    key,
    every: config.auditCheckpointEvery,
    intervalMs: config.auditCheckpointIntervalMs,
    clock: realClock,
    log,
    onFailure: () => failures.inc(),
    onPublished: (body) => covered.set(body.seq),
    ...(config.auditDatabaseUrl === undefined
      ? {}
      : {
          resolveChain: async () => (await tableEndsOf(config)).chain,
        }),
  });
}

/**
 * Starts a checkpointer from its trail as it is now (the file, or the database's chain); a failed look-up of earlier
 * checkpoints is logged.
 */
export async function startAuditCheckpointer(
  checkpointer: AuditCheckpointer | undefined,
  config: Pick<RunConfig, "auditLog" | "auditDatabaseUrl" | "auditDatabasePasswordFile">,
  log: Logger,
): Promise<void> {
  if (checkpointer === undefined) return;
  const { trailEnds } = await import("../audit/checkpoints/trail-facts.js");
  const { chain, last } =
    config.auditDatabaseUrl === undefined ? await trailEnds(config.auditLog) : await tableEndsOf(config);
  try {
    await checkpointer.start(chain, last);
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      "Could not list earlier audit checkpoints; the next one names no previous checkpoint",
    );
  }
}

/** The database chain's ends; its module (and pg) is loaded only for a deployment that has the database. */
async function tableEndsOf(
  config: Pick<RunConfig, "auditDatabaseUrl" | "auditDatabasePasswordFile">,
): ReturnType<typeof tableEnds> {
  const facts = await import("../audit/postgres/table-facts.js");
  return facts.tableEnds(auditDatabaseConnection(config));
}
