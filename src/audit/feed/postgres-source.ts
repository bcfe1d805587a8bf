import pg from "pg";
import { MAX_AUDIT_LINE_BYTES } from "../entry.js";
import { poolConfig, redactDatabaseUrl, type AuditDatabaseConnection } from "../postgres/connection.js";
import { ENTRIES_TABLE } from "../postgres/schema.js";
import type { ChainRow, FeedPage, FeedSource } from "./source.js";
import type { FeedQuery } from "./query.js";

/** Rows the verifier reads per query. */
const VERIFY_ROWS = 1000;

/**
 * The WHERE clause and values of a page query: the cursor, the head read first, and the export filter translated
 * to the indexed columns (`environment` from the entry's details, as `stagegate audit export` reads it).
 */
export function pageQuery(query: FeedQuery, head: number): { text: string; values: unknown[] } {
  const values: unknown[] = [String(query.after), String(head)];
  const where = ["seq > $1", "seq <= $2"];
  const add = (clause: (placeholder: string) => string, value: unknown): void => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  const { since, until, namespace, environment, actions } = query.filter;
  if (since !== undefined) add((p) => `time >= ${p}`, since.toISOString());
  if (until !== undefined) add((p) => `time < ${p}`, until.toISOString());
  if (namespace !== undefined) add((p) => `object_namespace = ${p}`, namespace);
  if (environment !== undefined) add((p) => `(entry -> 'details' ->> 'environment') = ${p}`, environment);
  if (actions !== undefined) add((p) => `action = ANY(${p}::text[])`, [...actions]);
  values.push(query.limit);
  return {
    text:
      `SELECT seq, entry::text AS entry FROM ${ENTRIES_TABLE} WHERE ${where.join(" AND ")} ` +
      `ORDER BY seq LIMIT $${values.length}`,
    values,
  };
}

/**
 * The PostgreSQL store as the feed reads it: SELECT only, on connections opened read-only
 * (`default_transaction_read_only`), so no read path can change the record even by mistake.
 *
 * Why a page never skips or repeats an entry while others append: appenders take one advisory lock until they
 * commit (ADR 0025), so the committed entries are always 1..head with no hole. A page reads the head first, then
 * only entries up to it; a short page moves the cursor to that head, a full page to its last entry.
 */
export async function postgresFeedSource(connection: AuditDatabaseConnection): Promise<FeedSource> {
  const config = await poolConfig(connection, 2, "stagegate-audit-feed");
  const pool = new pg.Pool({ ...config, options: "-c default_transaction_read_only=on" });
  pool.on("error", () => undefined); // an idle connection that broke is replaced on the next query
  const name = redactDatabaseUrl(connection.url);
  return {
    name,
    unit: "row",
    async page(query): Promise<FeedPage> {
      const ends = await pool.query<{ head: string | null }>(
        `SELECT max(seq)::text AS head FROM ${ENTRIES_TABLE}`,
      );
      const head = Number(ends.rows[0]?.head ?? 0);
      if (query.after >= head) return { entries: [], through: query.after, more: false };
      const { text, values } = pageQuery(query, head);
      const rows = (await pool.query<{ seq: string; entry: string }>(text, values)).rows;
      // The column holds the text JSON.stringify wrote (type json: PostgreSQL checked it is JSON); the chain
      // verifier parses and hashes it, and a page says how far that vouches.
      const entries = rows.map((row) => ({ seq: Number(row.seq), json: row.entry }));
      const last = rows.at(-1);
      const through = rows.length === query.limit && last !== undefined ? Number(last.seq) : head;
      return { entries, through, more: through < head };
    },
    async *rowsAfter(key): AsyncGenerator<ChainRow> {
      let after = key;
      for (;;) {
        const rows = (
          await pool.query<{ seq: string; hash: string; entry: string }>(
            `SELECT seq, hash, entry::text AS entry FROM ${ENTRIES_TABLE}
              WHERE seq > $1 ORDER BY seq LIMIT $2`,
            [String(after), VERIFY_ROWS],
          )
        ).rows;
        for (const row of rows) {
          after = Number(row.seq);
          const tooLong = Buffer.byteLength(row.entry, "utf8") > MAX_AUDIT_LINE_BYTES;
          const text = columnsAgree(row) ? row.entry : "{}";
          yield { key: after, line: { number: 0, text, complete: true, tooLong, end: 0 } };
        }
        if (rows.length < VERIFY_ROWS) return;
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Whether a row's indexed columns say what its entry says. The feed filters on the columns; a row whose columns
 * were edited is handed to the checker as a malformed entry, so verification stops there.
 */
function columnsAgree(row: { seq: string; hash: string; entry: string }): boolean {
  try {
    const entry = JSON.parse(row.entry) as { seq?: unknown; hash?: unknown };
    return String(entry.seq) === row.seq && entry.hash === row.hash;
  } catch {
    return true; // the checker reports the entry itself as malformed
  }
}
