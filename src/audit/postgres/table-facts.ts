import pg from "pg";
import type { TrailFacts } from "../checkpoints/check.js";
import { readPurgeAnchor } from "../retention/purge-anchor.js";
import { poolConfig, type AuditDatabaseConnection } from "./connection.js";
import { ENTRIES_TABLE } from "./schema.js";

/**
 * What checking the database's chain against checkpoints needs: the hash of entry 1 (the chain's identity), the
 * last seq, and the hashes of the entries `wanted` names; read from the indexed columns (the chain check vouches
 * that they agree with the entries).
 */
export async function readTableFacts(
  client: pg.ClientBase,
  wanted: ReadonlySet<number>,
): Promise<TrailFacts> {
  const ends = await client.query<{ first: string | null; last: string | null }>(
    `SELECT (SELECT hash FROM ${ENTRIES_TABLE} WHERE seq = 1) AS first, (SELECT max(seq)::text FROM ${ENTRIES_TABLE}) AS last`,
  );
  const row = ends.rows[0];
  const hashes = new Map<number, string>();
  if (wanted.size > 0) {
    const found = await client.query<{ seq: string; hash: string }>(
      `SELECT seq::text AS seq, hash FROM ${ENTRIES_TABLE} WHERE seq = ANY($1::bigint[])`,
      [[...wanted].map(String)],
    );
    for (const r of found.rows) hashes.set(Number(r.seq), r.hash);
  }
  // After a recorded purge, entry 1 is gone: the purge names the chain, and vouches for the hash of its last entry.
  const anchor = row?.first == null ? await readPurgeAnchor(client) : undefined;
  if (anchor !== undefined) hashes.set(anchor.seq, anchor.hash);
  return {
    chain: row?.first ?? anchor?.chain,
    lastSeq: Number(row?.last ?? 0),
    hashes,
    ...(anchor === undefined ? {} : { purgedThrough: anchor.seq }),
  };
}

/** The database chain's identity and head, for a checkpointer starting on it; undefined parts for an empty store. */
export async function tableEnds(
  connection: AuditDatabaseConnection,
): Promise<{ chain: string | undefined; last: { seq: number; hash: string } | undefined }> {
  const client = new pg.Client(await poolConfig(connection, 1, "stagegate-audit-checkpoints"));
  await client.connect();
  try {
    const facts = await client.query<{ first: string | null; seq: string | null; hash: string | null }>(
      `SELECT (SELECT hash FROM ${ENTRIES_TABLE} WHERE seq = 1) AS first, last.seq::text AS seq, last.hash
         FROM (SELECT 1) AS one LEFT JOIN (SELECT seq, hash FROM ${ENTRIES_TABLE} ORDER BY seq DESC LIMIT 1) AS last ON true`,
    );
    const row = facts.rows[0];
    return {
      chain: row?.first ?? (await readPurgeAnchor(client))?.chain,
      last: row?.seq == null || row.hash == null ? undefined : { seq: Number(row.seq), hash: row.hash },
    };
  } finally {
    await client.end();
  }
}
