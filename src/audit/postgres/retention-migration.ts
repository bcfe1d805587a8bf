import { ARCHIVE_TABLE } from "./archive-migration.js";

/** Legal holds: an append-only log of holds set and lifted; a hold is in force while its last event is `set`. */
export const HOLDS_TABLE = "stagegate_audit.holds";
/** The holds in force, from {@link HOLDS_TABLE}. */
export const ACTIVE_HOLDS_VIEW = "stagegate_audit.active_holds";
/** The only way anything is removed from the audit store: expired records not under hold (ADR 0030). */
export const PURGE_FUNCTION = "stagegate_audit.purge";

/** Whether an active hold `h` covers the entry row `e` (by class, namespace and object name; null matches all). */
const HOLD_COVERS_ENTRY = `(h.class IS NULL OR h.class = 'auditEntries')
  AND (h.namespace IS NULL OR h.namespace = e.object_namespace)
  AND (h.object_name IS NULL OR h.object_name = e.object_name)`;

/** Whether an active hold `h` covers the archive row `a`. */
const HOLD_COVERS_ARCHIVE = `(h.class IS NULL OR h.class = a.class || 's')
  AND (h.namespace IS NULL OR h.namespace = a.object_namespace)
  AND (h.object_name IS NULL OR h.object_name = a.object_name)`;

/**
 * Schema version 4: retention. Holds (append-only for everyone; only the schema's owner, the administrator, may
 * insert), and the purge: a SECURITY DEFINER function owned by the administrator that removes expired entries from
 * the front of the chain only (never the last entry, never one at or after a held or unexpired entry) and expired
 * archive documents not under hold. The append-only triggers of entries and archive are replaced by one that
 * lets a DELETE through only inside that function: the current user must be the schema's owner (the function's
 * definer) and the transaction must be the one the function marked, so neither the operator's role (which has
 * no DELETE right anyway) nor anyone setting a session variable can delete. TRUNCATE and UPDATE stay refused to
 * everyone. Depends on versions 1 and 3 only.
 */
export const RETENTION_MIGRATION: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${HOLDS_TABLE} (
    id bigserial PRIMARY KEY,
    name text NOT NULL CHECK (name ~ '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' AND length(name) <= 63),
    action text NOT NULL CHECK (action IN ('set', 'lift')),
    class text CHECK (class IN ('auditEntries', 'releases', 'changes', 'tasks')),
    namespace text,
    object_name text,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    actor text NOT NULL DEFAULT session_user,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  `CREATE OR REPLACE TRIGGER holds_append_only BEFORE UPDATE OR DELETE ON ${HOLDS_TABLE}
    FOR EACH ROW EXECUTE FUNCTION stagegate_audit.refuse_change()`,
  `CREATE OR REPLACE TRIGGER holds_no_truncate BEFORE TRUNCATE ON ${HOLDS_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION stagegate_audit.refuse_change()`,
  `CREATE OR REPLACE VIEW ${ACTIVE_HOLDS_VIEW} AS
    SELECT name, class, namespace, object_name, reason, actor, at FROM (
      SELECT DISTINCT ON (name) * FROM ${HOLDS_TABLE} ORDER BY name, id DESC) AS latest
    WHERE action = 'set'`,
  `CREATE OR REPLACE FUNCTION stagegate_audit.refuse_unless_purging() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE'
      AND current_setting('stagegate_audit.purging', true) = txid_current()::text
      AND current_user = (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'stagegate_audit')
    THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Stagegate audit records are append-only: % on %.% is refused (only stagegate audit purge removes expired records)',
      TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
  END $$`,
  `CREATE OR REPLACE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON stagegate_audit.entries
    FOR EACH ROW EXECUTE FUNCTION stagegate_audit.refuse_unless_purging()`,
  `CREATE OR REPLACE TRIGGER archive_append_only BEFORE UPDATE OR DELETE ON ${ARCHIVE_TABLE}
    FOR EACH ROW EXECUTE FUNCTION stagegate_audit.refuse_unless_purging()`,
  `CREATE OR REPLACE FUNCTION ${PURGE_FUNCTION}(
      entries_before timestamptz, releases_before timestamptz, changes_before timestamptz,
      tasks_before timestamptz, dry_run boolean)
    RETURNS TABLE (entries_removed bigint, first_seq bigint, last_seq bigint, last_hash text, chain text,
      releases_removed bigint, changes_removed bigint, tasks_removed bigint, holds text[])
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    head bigint;
    keep_from bigint;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('stagegate_audit.entries'));
    SELECT coalesce(array_agg(h.name ORDER BY h.name), '{}') INTO holds FROM ${ACTIVE_HOLDS_VIEW} h;
    SELECT max(e.seq), min(e.seq) INTO head, first_seq FROM stagegate_audit.entries e;
    entries_removed := 0;
    IF entries_before IS NOT NULL AND head IS NOT NULL THEN
      SELECT min(e.seq) INTO keep_from FROM stagegate_audit.entries e
        WHERE e.time >= entries_before
          OR EXISTS (SELECT 1 FROM ${ACTIVE_HOLDS_VIEW} h WHERE ${HOLD_COVERS_ENTRY});
      keep_from := least(coalesce(keep_from, head), head);
      IF keep_from > first_seq THEN
        last_seq := keep_from - 1;
        SELECT e.hash INTO last_hash FROM stagegate_audit.entries e WHERE e.seq = last_seq;
        SELECT e.hash INTO chain FROM stagegate_audit.entries e WHERE e.seq = 1;
        IF chain IS NULL THEN
          SELECT e.entry->'details'->'entries'->>'chain' INTO chain FROM stagegate_audit.entries e
            WHERE e.action = 'RecordsPurged'
              AND (CASE WHEN e.action = 'RecordsPurged' THEN e.entry->'details'->'entries'->>'chain' END) IS NOT NULL
            ORDER BY e.seq DESC LIMIT 1;
        END IF;
        entries_removed := last_seq - first_seq + 1;
      END IF;
    END IF;
    SELECT count(*) FILTER (WHERE a.class = 'release' AND a.closed_at < releases_before),
           count(*) FILTER (WHERE a.class = 'change' AND a.closed_at < changes_before),
           count(*) FILTER (WHERE a.class = 'task' AND a.closed_at < tasks_before)
      INTO releases_removed, changes_removed, tasks_removed
      FROM stagegate_audit.archive a
      WHERE NOT EXISTS (SELECT 1 FROM ${ACTIVE_HOLDS_VIEW} h WHERE ${HOLD_COVERS_ARCHIVE});
    IF NOT dry_run THEN
      PERFORM set_config('stagegate_audit.purging', txid_current()::text, true);
      IF entries_removed > 0 THEN
        DELETE FROM stagegate_audit.entries e WHERE e.seq <= last_seq;
      END IF;
      DELETE FROM stagegate_audit.archive a
        WHERE ((a.class = 'release' AND a.closed_at < releases_before)
          OR (a.class = 'change' AND a.closed_at < changes_before)
          OR (a.class = 'task' AND a.closed_at < tasks_before))
          AND NOT EXISTS (SELECT 1 FROM ${ACTIVE_HOLDS_VIEW} h WHERE ${HOLD_COVERS_ARCHIVE});
      PERFORM set_config('stagegate_audit.purging', '', true);
    END IF;
    RETURN NEXT;
  END $$`,
  `REVOKE ALL ON FUNCTION ${PURGE_FUNCTION}(timestamptz, timestamptz, timestamptz, timestamptz, boolean) FROM PUBLIC`,
];
