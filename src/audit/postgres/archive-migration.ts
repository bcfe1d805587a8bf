/**
 * Schema version 3: the archive of closed records. One row per archived document: its canonical JSON text kept
 * exactly (`text`, not `jsonb`, which would reorder keys), its SHA-256 as primary key (the database refuses a row
 * whose text does not hash to it), and at most one document per class and object uid, so a retry or a second
 * replica can never archive one close twice. Append-only by the same trigger as the entries. Depends only on
 * version 1 (the schema and its `refuse_change` function).
 */
export const ARCHIVE_TABLE = "stagegate_audit.archive";

/** The statements of schema version 3, each idempotent. */
export const ARCHIVE_MIGRATION: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${ARCHIVE_TABLE} (
    hash text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    class text NOT NULL CHECK (class IN ('release', 'change', 'task')),
    object_uid text NOT NULL,
    object_kind text NOT NULL,
    object_namespace text,
    object_name text NOT NULL,
    closed_at timestamptz NOT NULL,
    archived_at timestamptz NOT NULL,
    document text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (class, object_uid),
    CONSTRAINT archive_hash_seals_document CHECK (encode(sha256(convert_to(document, 'UTF8')), 'hex') = hash)
  )`,
  `CREATE INDEX IF NOT EXISTS archive_by_closed ON ${ARCHIVE_TABLE} (class, closed_at)`,
  `CREATE INDEX IF NOT EXISTS archive_by_object ON ${ARCHIVE_TABLE} (object_namespace, object_kind, object_name)`,
  `CREATE OR REPLACE TRIGGER archive_append_only BEFORE UPDATE OR DELETE ON ${ARCHIVE_TABLE}
    FOR EACH ROW EXECUTE FUNCTION stagegate_audit.refuse_change()`,
  `CREATE OR REPLACE TRIGGER archive_no_truncate BEFORE TRUNCATE ON ${ARCHIVE_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION stagegate_audit.refuse_change()`,
];
