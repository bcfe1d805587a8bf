import type { ClientBase } from "pg";
import { z } from "zod";
import { ENTRIES_TABLE } from "../postgres/schema.js";

const hash = z.string().regex(/^[0-9a-f]{64}$/);
/** The part of a `RecordsPurged` entry's details that says which entries it removed. */
const PurgedEntries = z.object({
  entries: z.object({
    removed: z.number().int().positive(),
    lastSeq: z.number().int().positive(),
    lastHash: hash,
    chain: hash,
  }),
});

/** Where the table's chain starts after recorded purges: the last removed entry, and the chain's identity. */
export interface PurgeAnchor {
  seq: number;
  hash: string;
  /** The hash of entry 1, the chain's identity, which checkpoints name. */
  chain: string;
}

/**
 * (JSON operators are applied to `RecordsPurged` rows only, which Stagegate wrote: on an entry holding `\u0000`
 * PostgreSQL would fail.) The anchor of a table whose first row is not entry 1: the `RecordsPurged` entry (in the same chain, so the
 * chain check vouches for it) whose range ends just before the first row. Undefined when the table starts at
 * entry 1, is empty, or lost its front without a purge recording it (which the chain check then reports as removed).
 */
export async function readPurgeAnchor(client: ClientBase): Promise<PurgeAnchor | undefined> {
  const first = await client.query<{ seq: string | null }>(
    `SELECT min(seq)::text AS seq FROM ${ENTRIES_TABLE}`,
  );
  const firstSeq = Number(first.rows[0]?.seq ?? 0);
  if (firstSeq <= 1) return undefined;
  const found = await client.query<{ details: unknown }>(
    `SELECT entry->'details' AS details FROM ${ENTRIES_TABLE}
      WHERE action = 'RecordsPurged'
        AND (CASE WHEN action = 'RecordsPurged' THEN entry->'details'->'entries'->>'lastSeq' END) = $1
      ORDER BY seq DESC LIMIT 1`,
    [String(firstSeq - 1)],
  );
  const parsed = PurgedEntries.safeParse(found.rows[0]?.details);
  if (!parsed.success) return undefined;
  const { lastSeq, lastHash, chain } = parsed.data.entries;
  return { seq: lastSeq, hash: lastHash, chain };
}
