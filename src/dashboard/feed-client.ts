import https from "node:https";
import { z } from "zod";
import { StoredAuditEntry } from "../audit/entry.js";
import type { ExportedEntry } from "../audit/export/sources.js";

/** Where the operator's audit feed answers, and the CA its serving certificate is signed by. */
export interface FeedEndpoint {
  /** `https://HOST:PORT`, without a path. */
  url: string;
  /** PEM; the system's CAs when absent. */
  caPem: string | undefined;
}

/** The feed refused or failed a request: its HTTP status and its message, in words. */
export class FeedError extends Error {
  override readonly name = "FeedError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A page as the feed answers it (its OpenAPI `Page`). */
const FeedPage = z.object({
  source: z.string(),
  items: z.array(z.object({ verified: z.boolean(), entry: StoredAuditEntry })),
  nextCursor: z.string(),
  more: z.boolean(),
  chain: z.object({
    intact: z.boolean(),
    verifiedThrough: z.number().int().min(0),
    firstBad: z
      .object({ line: z.number(), seq: z.number().optional(), problem: z.string(), message: z.string() })
      .optional(),
  }),
});
type FeedPage = z.infer<typeof FeedPage>;

const Problem = z.looseObject({ error: z.string(), message: z.string() });

/** What the feed says about the chain, from the last page read. */
export type FeedChain = FeedPage["chain"];

/** Entries read from the feed as the user, with the feed's verification of the chain. */
export interface FeedRead {
  source: string;
  items: ExportedEntry[];
  chain: FeedChain;
  /** True when the read stopped at {@link MAX_FEED_ENTRIES}: the record holds more than was read. */
  truncated: boolean;
}

/** The most entries one page of the dashboard reads from the feed. */
export const MAX_FEED_ENTRIES = 50_000;

function get(endpoint: FeedEndpoint, token: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, endpoint.url),
      {
        method: "GET",
        ...(endpoint.caPem === undefined ? {} : { ca: endpoint.caPem }),
        timeout: 15_000,
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("the audit feed did not answer within 15 s")));
    req.on("error", reject);
    req.end();
  });
}

async function page(endpoint: FeedEndpoint, token: string, query: URLSearchParams): Promise<FeedPage> {
  let answer;
  try {
    answer = await get(endpoint, token, `/audit/v1/records?${query.toString()}`);
  } catch (error) {
    throw new FeedError(503, `The audit feed could not be reached: ${(error as Error).message}.`);
  }
  if (answer.status !== 200) {
    let problem: string;
    try {
      problem = Problem.parse(JSON.parse(answer.body)).message;
    } catch {
      problem = "it sent no explanation";
    }
    throw new FeedError(answer.status, `The audit feed answered ${answer.status}: ${problem}.`);
  }
  const parsed = FeedPage.safeParse(JSON.parse(answer.body));
  if (!parsed.success) throw new FeedError(502, "The audit feed sent a page this dashboard cannot read.");
  return parsed.data;
}

/** What one filter's reads so far left: the entries by seq, where to read on from, and the feed's last verdict. */
interface FilterSnapshot {
  source: string;
  bySeq: Map<number, ExportedEntry>;
  chain: FeedChain;
  truncated: boolean;
  cursor: string | undefined;
}

/** The highest seq among the entries the feed vouched for. */
function vouchedThrough(bySeq: ReadonlyMap<number, ExportedEntry>): number {
  let max = 0;
  for (const item of bySeq.values()) if (item.verified && item.entry.seq > max) max = item.entry.seq;
  return max;
}

/**
 * Reads one filter's entries after `previous` (from the first entry without it), page by page, and returns the
 * whole snapshot. Read again from the start when the feed names another record, or vouches for less than it did
 * (the record was verified anew, by a restarted operator, and found broken before what was read): the entries kept
 * must say what the feed says of them now.
 */
async function readFilter(
  endpoint: FeedEndpoint,
  token: string,
  filter: Record<string, string>,
  previous: FilterSnapshot | undefined,
  fetched: { count: number },
): Promise<FilterSnapshot> {
  // A copy: a read that fails half-way leaves the previous snapshot as it was.
  const bySeq = new Map(previous?.bySeq ?? []);
  let { source, chain, truncated, cursor } = previous ?? {
    source: "",
    chain: { intact: true, verifiedThrough: 0 },
    truncated: false,
    cursor: undefined,
  };
  // The record held more than a page may read: what was read stays, as a read from the start would give it.
  if (truncated) return { source, bySeq, chain, truncated, cursor };
  for (;;) {
    const query = new URLSearchParams({ ...filter, limit: "1000" });
    if (cursor !== undefined) query.set("after", cursor);
    const answer = await page(endpoint, token, query);
    if (previous !== undefined && answer.source !== previous.source) {
      return readFilter(endpoint, token, filter, undefined, fetched);
    }
    source = answer.source;
    chain = answer.chain;
    fetched.count += answer.items.length;
    for (const item of answer.items) {
      bySeq.set(item.entry.seq, { source: answer.source, verified: item.verified, entry: item.entry });
    }
    cursor = answer.nextCursor;
    if (bySeq.size >= MAX_FEED_ENTRIES) {
      truncated ||= answer.more;
      break;
    }
    if (!answer.more) break;
  }
  if (previous !== undefined && chain.verifiedThrough < vouchedThrough(previous.bySeq)) {
    return readFilter(endpoint, token, filter, undefined, fetched);
  }
  return { source, bySeq, chain, truncated, cursor };
}

/** At most this many filters' snapshots are kept per reader (the least recently read is dropped). */
const KEPT_FILTERS = 4;

/**
 * One signed-in user's reader of the audit feed, with the user's own bearer token: the feed reviews the token and the
 * user's right to list auditrecords on every request, so the dashboard reads only what the user may. It keeps what
 * it read of each filter and asks the feed only for the entries after the cursor it reached, so a page loaded again
 * costs the new entries, not the record. Kept per session, never shared between users; a refusal drops everything
 * kept.
 */
export class IncrementalFeed {
  private readonly snapshots = new Map<string, FilterSnapshot>();
  /** How many entries the feed sent for the last read (for tests and logs). */
  lastFetched = 0;

  constructor(
    private readonly endpoint: FeedEndpoint,
    private readonly token: string,
  ) {}

  /**
   * Every entry each filter selects (`namespace=...`, `action=...`): entries selected by more than one filter come
   * once; the result is in chain order (`seq`), which is time order. An HTTP refusal or failure is a
   * {@link FeedError} with the feed's words.
   */
  async read(filters: readonly Record<string, string>[]): Promise<FeedRead> {
    const fetched = { count: 0 };
    const bySeq = new Map<number, ExportedEntry>();
    let source = "";
    let chain: FeedChain = { intact: true, verifiedThrough: 0 };
    let truncated = false;
    for (const filter of filters) {
      const key = JSON.stringify(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)));
      let snapshot: FilterSnapshot;
      try {
        snapshot = await readFilter(this.endpoint, this.token, filter, this.snapshots.get(key), fetched);
      } catch (error) {
        this.snapshots.clear();
        throw error;
      }
      this.snapshots.delete(key);
      this.snapshots.set(key, snapshot);
      while (this.snapshots.size > KEPT_FILTERS) {
        const oldest = this.snapshots.keys().next().value;
        if (oldest === undefined) break;
        this.snapshots.delete(oldest);
      }
      source = snapshot.source;
      chain = snapshot.chain;
      truncated ||= snapshot.truncated;
      for (const [seq, item] of snapshot.bySeq) {
        if (bySeq.size >= MAX_FEED_ENTRIES) {
          truncated = true;
          break;
        }
        bySeq.set(seq, item);
      }
    }
    this.lastFetched = fetched.count;
    const items = [...bySeq.values()].sort((a, b) => a.entry.seq - b.entry.seq);
    return { source, items, chain, truncated };
  }
}
