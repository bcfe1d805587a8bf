import pg from "pg";
import { parseAuditLine, type StoredAuditEntry } from "../entry.js";
import { poolConfig, redactDatabaseUrl, type AuditDatabaseConnection } from "../postgres/connection.js";
import { ARCHIVE_TABLE } from "../postgres/archive-migration.js";
import { ENTRIES_TABLE } from "../postgres/schema.js";
import { ArchiveClass, type StoredArchiveDocument } from "./document.js";
import {
  RECORD_ARCHIVED,
  type ArchiveFilter,
  type ArchiveRow,
  type ArchiveStore,
  type ArchivedObjectRef,
} from "./store.js";

interface Row {
  hash: string;
  class: string;
  object_uid: string;
  object_kind: string;
  object_namespace: string | null;
  object_name: string;
  closed_at: Date;
  archived_at: Date;
  document: string;
}

const COLUMNS =
  "hash, class, object_uid, object_kind, object_namespace, object_name, closed_at, archived_at, document";

/**
 * The archive in the PostgreSQL audit store: `stagegate_audit.archive`, one row per closed object (unique on
 * class and uid), append-only by trigger, each row's hash checked against its text by the database itself.
 */
export class PostgresArchiveStore implements ArchiveStore {
  private constructor(
    readonly where: string,
    private readonly pool: pg.Pool,
  ) {}

  /** Opens a small pool of its own on the audit database (the recorder's pool stays for the chain). */
  static async open(connection: AuditDatabaseConnection): Promise<PostgresArchiveStore> {
    const pool = new pg.Pool(await poolConfig(connection, 2, "stagegate-archive"));
    pool.on("error", () => undefined); // an idle connection lost; the next query reconnects or rejects
    return new PostgresArchiveStore(`${ARCHIVE_TABLE} in ${redactDatabaseUrl(connection.url)}`, pool);
  }

  async find(archiveClass: ArchiveClass, uid: string): Promise<ArchiveRow | undefined> {
    const found = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${ARCHIVE_TABLE} WHERE class = $1 AND object_uid = $2`,
      [archiveClass, uid],
    );
    return found.rows[0] === undefined ? undefined : toArchiveRow(found.rows[0]);
  }

  async get(hash: string): Promise<ArchiveRow | undefined> {
    const found = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${ARCHIVE_TABLE} WHERE hash = $1`, [
      hash,
    ]);
    return found.rows[0] === undefined ? undefined : toArchiveRow(found.rows[0]);
  }

  async put(stored: StoredArchiveDocument): Promise<ArchiveRow> {
    const { document } = stored;
    const meta = document.object.metadata;
    // ON CONFLICT DO NOTHING: a second archiver of the same close keeps the first document, whichever it is.
    await this.pool.query(
      `INSERT INTO ${ARCHIVE_TABLE} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT DO NOTHING`,
      [
        stored.hash,
        document.class,
        meta.uid,
        document.object.kind,
        meta.namespace ?? null,
        meta.name,
        document.closedAt,
        document.archivedAt,
        stored.text,
      ],
    );
    const row = await this.find(document.class, meta.uid);
    if (row === undefined)
      throw new Error(`The archive of ${document.class} ${meta.uid} vanished after insert.`);
    return row;
  }

  async list(filter: ArchiveFilter): Promise<ArchiveRow[]> {
    const found = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${ARCHIVE_TABLE}
        WHERE ($1::text IS NULL OR class = $1) AND ($2::text IS NULL OR object_namespace = $2)
          AND ($3::text IS NULL OR object_name = $3)
        ORDER BY archived_at, hash`,
      [filter.class ?? null, filter.namespace ?? null, filter.name ?? null],
    );
    return found.rows.map(toArchiveRow);
  }

  /**
   * By the indexed object columns, then by uid in code: JSON operators in SQL would fail on an entry holding
   * `\u0000` (outside input a denied request may carry), which PostgreSQL cannot turn into text.
   */
  async entriesAbout(object: ArchivedObjectRef): Promise<StoredAuditEntry[]> {
    const entries = await this.entriesNamed(object, { exclude: RECORD_ARCHIVED });
    return entries.filter(
      (entry) =>
        entry.object.uid === object.uid ||
        (entry.object.uid === undefined &&
          (object.createdAt === undefined || new Date(entry.time) >= object.createdAt)),
    );
  }

  async recordOf(
    row: Pick<ArchiveRow, "hash" | "kind" | "namespace" | "name">,
  ): Promise<StoredAuditEntry | undefined> {
    const records = await this.entriesNamed(row, { only: RECORD_ARCHIVED });
    return records.find((entry) => entry.details.documentHash === row.hash);
  }

  /** The entries whose object columns name this object, in chain order, parsed (unparseable ones left out). */
  private async entriesNamed(
    object: { kind: string; namespace: string | undefined; name: string },
    action: { only: string } | { exclude: string },
  ): Promise<StoredAuditEntry[]> {
    const found = await this.pool.query<{ entry: string }>(
      `SELECT entry::text AS entry FROM ${ENTRIES_TABLE}
        WHERE object_kind = $1 AND object_namespace IS NOT DISTINCT FROM $2 AND object_name = $3
          AND ${"only" in action ? "action = $4" : "action <> $4"}
        ORDER BY seq`,
      [object.kind, object.namespace ?? null, object.name, "only" in action ? action.only : action.exclude],
    );
    return found.rows.flatMap((row) => {
      const parsed = parseAuditLine(row.entry);
      return parsed.ok ? [parsed.entry] : [];
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

function toArchiveRow(row: Row): ArchiveRow {
  return {
    hash: row.hash,
    class: ArchiveClass.parse(row.class),
    uid: row.object_uid,
    kind: row.object_kind,
    namespace: row.object_namespace ?? undefined,
    name: row.object_name,
    closedAt: row.closed_at,
    archivedAt: row.archived_at,
    text: row.document,
  };
}
