import pg from "pg";
import { AuditMirrors, type AuditMirrorOptions } from "../entry-mirror.js";
import { AuditTrailError } from "../errors.js";
import type { AuditEvent, AuditRecorder } from "../recorder.js";
import { describeError } from "../seal.js";
import { GroupCommit, type BatchOutcome } from "../group-commit.js";
import { HeldTransitions } from "../held-transitions.js";
import { appendAuditEntries, type AppendedBatch } from "./append.js";
import { poolConfig, redactDatabaseUrl, type AuditDatabaseConnection } from "./connection.js";
import { AUDIT_SCHEMA_VERSION, ENTRIES_TABLE, VERSION_TABLE } from "./schema.js";

/** How to open a PostgresAuditRecorder. */
export interface PostgresAuditOptions extends AuditMirrorOptions {
  connection: AuditDatabaseConnection;
  /** The source of entry times; defaults to the system clock. */
  clock?: () => Date;
  /** Told about each entry that could not be written (the caller's record rejects too); must not throw. */
  onWriteError?: (err: unknown) => void;
  /** Told about errors of idle connections (the database restarted); must not throw. Defaults to stderr. */
  onConnectionError?: (err: unknown) => void;
  /** Connections in the pool; default 4. */
  maxConnections?: number;
}

/**
 * The audit record shared by every replica: each entry is appended to one hash chain in PostgreSQL, in a
 * transaction that serialises appenders (see appendAuditEntries), and mirrored as an Event once committed. Records
 * made while a transaction runs are appended together by the next one (group commit, ADR 0035).
 * `record` resolves once the entry is committed and rejects when it is not (database unreachable, refused), so
 * callers deny or retry and nothing is admitted unrecorded; when the database returns, the chain continues.
 */
export class PostgresAuditRecorder implements AuditRecorder {
  private readonly mirrors: AuditMirrors;
  private readonly commits: GroupCommit<AuditEvent>;
  private readonly held = new HeldTransitions();
  private closing: Promise<void> | undefined;

  private constructor(
    /** The database URL, password hidden: what messages name. */
    readonly where: string,
    private readonly options: PostgresAuditOptions,
    private readonly pool: pg.Pool,
  ) {
    this.mirrors = new AuditMirrors(options);
    this.commits = new GroupCommit((events) => this.appendBatch(events));
  }

  /**
   * Connects and checks that the database was set up for this version (`stagegate audit setup-database`);
   * rejects with an AuditTrailError saying what to do when it cannot connect or the schema is missing.
   */
  static async open(options: PostgresAuditOptions): Promise<PostgresAuditRecorder> {
    const where = redactDatabaseUrl(options.connection.url);
    const pool = new pg.Pool(await poolConfig(options.connection, options.maxConnections ?? 4));
    // An idle connection that breaks (a restarted server) is reported here; without a listener it would crash.
    pool.on("error", (err) => (options.onConnectionError ?? reportConnectionError)(err));
    try {
      await checkSchema(pool, where);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresAuditRecorder(where, options, pool);
  }

  /** Appends one entry; resolves once it is committed, rejects (and counts the failure) when it is not. */
  record(event: AuditEvent): Promise<void> {
    if (this.closing !== undefined) {
      return Promise.reject(
        new AuditTrailError(`The audit database recorder is closed; nothing more can be recorded.`),
      );
    }
    // A fact known to be held costs no round trip (and no wait for the chain lock).
    if (event.transition !== undefined && this.held.has(event.transition)) return Promise.resolve();
    const written = this.commits.submit(event);
    written.catch((err: unknown) => this.reportWriteError(err));
    return written;
  }

  /** Asks the database for the chain's head (one indexed read): resolves when it answers. */
  async available(): Promise<void> {
    if (this.closing !== undefined) {
      throw new AuditTrailError(`The audit database recorder is closed; nothing more can be recorded.`);
    }
    try {
      await this.pool.query(`SELECT seq FROM ${ENTRIES_TABLE} ORDER BY seq DESC LIMIT 1`);
    } catch (err) {
      throw new AuditTrailError(`Could not reach the audit database ${this.where}: ${describeError(err)}.`, {
        cause: err,
      });
    }
  }

  /** Waits for pending records and mirrors, then closes the pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.commits.idle();
    await this.mirrors.settled();
    await this.pool.end();
  }

  /** Appends one batch in one transaction; a failure that is not a refusal of ours rejects the whole batch. */
  private async appendBatch(events: readonly AuditEvent[]): Promise<BatchOutcome[]> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new AuditTrailError(`Could not reach the audit database ${this.where}: ${describeError(err)}.`, {
        cause: err,
      });
    }
    let batch: AppendedBatch;
    try {
      batch = await appendAuditEntries(client, events, this.options.clock ?? (() => new Date()));
    } catch (err) {
      // The transaction was rolled back. A refusal of ours leaves the connection sound; any other failure may
      // have broken it, so it is not returned to the pool.
      if (err instanceof AuditTrailError) {
        client.release();
        throw err;
      }
      client.release(true);
      const actions = [...new Set(events.map((event) => event.action))].join(", ");
      throw new AuditTrailError(
        `Could not append ${actions} to the audit database ${this.where}: ${describeError(err)}.`,
        { cause: err },
      );
    }
    client.release();
    for (const transition of batch.held) this.held.add(transition);
    for (const entry of batch.entries) this.mirrors.start(entry);
    return batch.outcomes;
  }

  private reportWriteError(err: unknown): void {
    try {
      this.options.onWriteError?.(err);
    } catch {
      // The record's own rejection already carries the failure to its caller.
    }
  }
}

/** Refuses a database without the audit schema, or with one of another version. */
async function checkSchema(pool: pg.Pool, where: string): Promise<void> {
  let versions: number[];
  try {
    const result = await pool.query<{ version: number }>(`SELECT version FROM ${VERSION_TABLE}`);
    versions = result.rows.map((row) => row.version);
  } catch (err) {
    const missing =
      (err as { code?: string }).code === "42P01" || (err as { code?: string }).code === "3F000";
    throw new AuditTrailError(
      missing
        ? `The audit database ${where} has no Stagegate audit schema; set it up first with ` +
            `\`stagegate audit setup-database --database-url ADMIN_URL --operator-role ROLE\`.`
        : `Could not open the audit database ${where}: ${describeError(err)}.`,
      { cause: err },
    );
  }
  const newest = Math.max(0, ...versions);
  if (newest !== AUDIT_SCHEMA_VERSION) {
    throw new AuditTrailError(
      `The audit database ${where} has schema version ${newest}, and this Stagegate writes version ` +
        `${AUDIT_SCHEMA_VERSION}; run \`stagegate audit setup-database\` of this version first.`,
    );
  }
}

function reportConnectionError(err: unknown): void {
  console.error(`An idle connection to the audit database failed: ${describeError(err)}`);
}
