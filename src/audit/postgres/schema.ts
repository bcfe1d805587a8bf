import type { ClientBase } from "pg";
import { GENESIS_HASH } from "../canonical-hash.js";
import { ARCHIVE_MIGRATION, ARCHIVE_TABLE } from "./archive-migration.js";
import {
  ACTIVE_HOLDS_VIEW,
  HOLDS_TABLE,
  PURGE_FUNCTION,
  RETENTION_MIGRATION,
} from "./retention-migration.js";

/** The schema that holds the audit record; the operator's role may use it, never own it. */
export const AUDIT_SCHEMA = "stagegate_audit";
/** The append-only table of entries, one row per entry, in chain order by `seq`. */
export const ENTRIES_TABLE = `${AUDIT_SCHEMA}.entries`;
/** The migrations applied so far, one row per version. */
export const VERSION_TABLE = `${AUDIT_SCHEMA}.schema_version`;
/** The version this Stagegate writes; an operator refuses a database set up for another. */
export const AUDIT_SCHEMA_VERSION = 4;

/**
 * The migrations, in order. Each is idempotent on its own (IF NOT EXISTS, OR REPLACE), so a half-applied run
 * completes on the next. Version 1: the entries table, its indexes, and the triggers that keep it append-only and
 * linked whoever writes (no UPDATE, DELETE or TRUNCATE, even for its owner; each row must continue the chain).
 * Version 2: the transition column and its unique index.
 */
const MIGRATIONS: readonly { version: number; statements: readonly string[] }[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS ${ENTRIES_TABLE} (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        time timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        object_kind text NOT NULL,
        object_namespace text,
        object_name text NOT NULL,
        prev_hash text NOT NULL UNIQUE CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
        entry json NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`,
      `CREATE INDEX IF NOT EXISTS entries_by_object
        ON ${ENTRIES_TABLE} (object_namespace, object_kind, object_name, seq)`,
      `CREATE INDEX IF NOT EXISTS entries_by_time ON ${ENTRIES_TABLE} (time)`,
      `CREATE OR REPLACE FUNCTION ${AUDIT_SCHEMA}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'Stagegate audit entries are append-only: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA,
          TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$`,
      `CREATE OR REPLACE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON ${ENTRIES_TABLE}
        FOR EACH ROW EXECUTE FUNCTION ${AUDIT_SCHEMA}.refuse_change()`,
      `CREATE OR REPLACE TRIGGER entries_no_truncate BEFORE TRUNCATE ON ${ENTRIES_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION ${AUDIT_SCHEMA}.refuse_change()`,
      `CREATE OR REPLACE FUNCTION ${AUDIT_SCHEMA}.require_link() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.seq = 1 AND NEW.prev_hash = '${GENESIS_HASH}' THEN RETURN NEW; END IF;
        IF EXISTS (SELECT 1 FROM ${ENTRIES_TABLE} WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'Stagegate audit entry % does not continue the chain (prevHash %)', NEW.seq, NEW.prev_hash
          USING ERRCODE = 'integrity_constraint_violation';
      END $$`,
      `CREATE OR REPLACE TRIGGER entries_linked BEFORE INSERT ON ${ENTRIES_TABLE}
        FOR EACH ROW EXECUTE FUNCTION ${AUDIT_SCHEMA}.require_link()`,
    ],
  },
  {
    // Version 2: each entry's transition id (ADR 0031), unique, so one fact is held once whoever records it.
    version: 2,
    statements: [
      `ALTER TABLE ${ENTRIES_TABLE} ADD COLUMN IF NOT EXISTS transition text`,
      `CREATE UNIQUE INDEX IF NOT EXISTS entries_by_transition ON ${ENTRIES_TABLE} (transition)
        WHERE transition IS NOT NULL`,
    ],
  },
  // Version 3 (the archive, ADR 0029) depends only on version 1.
  { version: 3, statements: ARCHIVE_MIGRATION },
  // Version 4: legal holds and the purge (ADR 0030); depends on versions 1 and 3 only.
  { version: 4, statements: RETENTION_MIGRATION },
];

/** What {@link setUpAuditDatabase} did. */
export interface AuditDatabaseSetup {
  /** Versions applied by this run (empty when the database was up to date). */
  applied: number[];
  version: number;
}

/**
 * The admin step: creates the schema and applies missing migrations in one transaction (serialised by an advisory
 * lock, so two admins cannot interleave), then grants `operatorRole` exactly USAGE on the schema and SELECT and
 * INSERT on the entries (no UPDATE, DELETE or TRUNCATE, which the triggers refuse to everyone anyway). Idempotent.
 * Run it as the role that should own the schema, never as the operator's role.
 */
export async function setUpAuditDatabase(
  client: ClientBase,
  operatorRole: string,
  purgeRole?: string,
): Promise<AuditDatabaseSetup> {
  const role = client.escapeIdentifier(operatorRole);
  if (purgeRole === operatorRole) {
    throw new Error(
      `The purge role must not be the operator's role ${operatorRole}: the operator must never remove records; ` +
        `create a role of its own for \`stagegate audit purge\`.`,
    );
  }
  const who = await client.query<{ user: string }>("SELECT current_user AS user");
  if (who.rows[0]?.user === operatorRole) {
    throw new Error(
      `The operator's role ${operatorRole} must not be the role that sets up the audit schema (it would own the ` +
        `table and could drop its triggers); connect as an administrator.`,
    );
  }
  const applied: number[] = [];
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('stagegate_audit.migrate'))");
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${AUDIT_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (
        version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await client.query<{ version: number }>(`SELECT version FROM ${VERSION_TABLE}`);
    const have = new Set(done.rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (have.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query(`INSERT INTO ${VERSION_TABLE} (version) VALUES ($1)`, [migration.version]);
      applied.push(migration.version);
    }
    await client.query(`REVOKE ALL ON SCHEMA ${AUDIT_SCHEMA} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${AUDIT_SCHEMA} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${AUDIT_SCHEMA} FROM ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA ${AUDIT_SCHEMA} TO ${role}`);
    await client.query(`GRANT SELECT, INSERT ON ${ENTRIES_TABLE} TO ${role}`);
    await client.query(`GRANT SELECT ON ${VERSION_TABLE} TO ${role}`);
    await client.query(`GRANT SELECT, INSERT ON ${ARCHIVE_TABLE} TO ${role}`);
    if (purgeRole !== undefined) await grantPurgeRole(client, client.escapeIdentifier(purgeRole));
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
  return { applied, version: AUDIT_SCHEMA_VERSION };
}

/**
 * The purge role's rights (ADR 0030): read the store and the holds, append the one `RecordsPurged` entry, and
 * call the purge function; no UPDATE or DELETE on anything, and no right on the holds but reading them.
 */
async function grantPurgeRole(client: ClientBase, role: string): Promise<void> {
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${AUDIT_SCHEMA} FROM ${role}`);
  await client.query(`GRANT USAGE ON SCHEMA ${AUDIT_SCHEMA} TO ${role}`);
  await client.query(`GRANT SELECT, INSERT ON ${ENTRIES_TABLE} TO ${role}`);
  await client.query(
    `GRANT SELECT ON ${ARCHIVE_TABLE}, ${HOLDS_TABLE}, ${ACTIVE_HOLDS_VIEW}, ${VERSION_TABLE} TO ${role}`,
  );
  await client.query(
    `GRANT EXECUTE ON FUNCTION ${PURGE_FUNCTION}(timestamptz, timestamptz, timestamptz, timestamptz, boolean) TO ${role}`,
  );
}
