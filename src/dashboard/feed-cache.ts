import type { StoredAuditEntry } from "../audit/entry.js";
import type { ExportedEntry } from "../audit/export/sources.js";
import {
  MAX_FEED_ENTRIES,
  readFeedPage,
  type FeedChain,
  type FeedEndpoint,
  type FeedRead,
} from "./feed-client.js";

/** How many filters' entries the cache keeps; the least recently read goes first. */
export const MAX_CACHED_FILTERS = 32;

/** What the reads of one filter have gathered: its entries by seq, and the cursor the next read resumes after. */
interface FilterState {
  source: string;
  after: string | undefined;
  entries: Map<number, StoredAuditEntry>;
  /** The feed stopped at {@link MAX_FEED_ENTRIES}: nothing more is read for this filter. */
  full: boolean;
}

/** What one read of the cache did: for the insights benchmark and the tests. */
export interface FeedCacheStats {
  /** Pages asked of the feed since the cache was made. */
  pages: number;
  /** Times a filter's entries were dropped and read again from the first entry. */
  restarts: number;
}

/**
 * The audit feed as the dashboard's pages read it: entries already read are kept (per filter, for the whole
 * process) and each read asks the feed only for what came after the cursor it stopped at, so a page over a year of
 * records costs one short page once the cache holds them, not the whole record on every load.
 *
 * Sharing the entries between users is safe because every read still asks the feed at least once, with the reader's
 * own token and the same filter: the feed authorizes each request (the reader's right to list auditrecords), so a
 * user who may not read it gets the feed's refusal, whatever the cache holds. Whether an entry is vouched for is
 * decided again on every read from the chain status the feed has just answered (`seq <= verifiedThrough`, the feed's
 * own rule); when that status went back (a restarted feed, another replica, another source) or the chain is broken,
 * the filter's entries are dropped and read again from the first, so each flag is the feed's own.
 */
export class FeedCache {
  private readonly filters = new Map<string, FilterState>();
  private readonly turns = new Map<string, Promise<unknown>>();
  private chain: FeedChain = { intact: true, verifiedThrough: 0 };
  readonly stats: FeedCacheStats = { pages: 0, restarts: 0 };

  constructor(private readonly endpoint: FeedEndpoint) {}

  /** Reads what each filter selects, as the holder of `token`: the same answer as a full read of the feed. */
  async read(token: string, filters: readonly Record<string, string>[]): Promise<FeedRead> {
    let source = "";
    let truncated = false;
    const bySeq = new Map<number, StoredAuditEntry>();
    for (const filter of filters) {
      const state = await this.readFilter(token, filter);
      source = state.source;
      truncated ||= state.full;
      for (const [seq, entry] of state.entries) bySeq.set(seq, entry);
    }
    const chain = this.chain;
    const items: ExportedEntry[] = [...bySeq.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => ({ source, verified: entry.seq <= chain.verifiedThrough, entry }));
    return { source, items, chain, truncated };
  }

  /** One filter's entries brought up to date, one read of a filter at a time. */
  private readFilter(token: string, filter: Record<string, string>): Promise<FilterState> {
    const key = JSON.stringify(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)));
    const previous = this.turns.get(key) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(() => this.catchUp(token, key, filter));
    this.turns.set(key, turn);
    void turn
      .finally(() => {
        if (this.turns.get(key) === turn) this.turns.delete(key);
      })
      .catch(() => undefined);
    return turn;
  }

  private async catchUp(token: string, key: string, filter: Record<string, string>): Promise<FilterState> {
    let state = this.filters.get(key);
    const fromStart = (): FilterState => ({ source: "", after: undefined, entries: new Map(), full: false });
    state ??= fromStart();
    for (let attempt = 0; ; attempt++) {
      const before = this.chain;
      const answered = await this.readAfter(token, filter, state);
      const wentBack =
        state.entries.size > 0 &&
        (answered.source !== state.source ||
          !answered.chain.intact ||
          answered.chain.verifiedThrough < before.verifiedThrough);
      if (wentBack && attempt === 0) {
        // Read from the first entry again, so every flag and entry is what the feed says now.
        this.stats.restarts += 1;
        this.filters.delete(key);
        state = fromStart();
        this.chain = { intact: true, verifiedThrough: 0 };
        continue;
      }
      this.chain = answered.chain;
      this.remember(key, answered.state);
      return answered.state;
    }
  }

  /**
   * Pages after the state's cursor until the feed has no more (or the cap), into a copy of the state. The feed is
   * asked at least once even when the filter is at its cap: that request is the reader's authorization and the
   * chain's status.
   */
  private async readAfter(
    token: string,
    filter: Record<string, string>,
    state: FilterState,
  ): Promise<{ state: FilterState; chain: FeedChain; source: string }> {
    const next: FilterState = { ...state, entries: new Map(state.entries) };
    for (;;) {
      const query = new URLSearchParams({ ...filter, limit: "1000" });
      if (next.after !== undefined) query.set("after", next.after);
      const page = await readFeedPage(this.endpoint, token, query);
      this.stats.pages += 1;
      next.source = page.source;
      if (!next.full) {
        for (const item of page.items) next.entries.set(item.entry.seq, item.entry);
        next.after = page.nextCursor;
        if (next.entries.size >= MAX_FEED_ENTRIES) next.full = page.more;
      }
      if (next.full || !page.more) return { state: next, chain: page.chain, source: page.source };
    }
  }

  private remember(key: string, state: FilterState): void {
    this.filters.delete(key);
    this.filters.set(key, state);
    while (this.filters.size > MAX_CACHED_FILTERS) {
      const oldest = this.filters.keys().next().value;
      if (oldest === undefined) break;
      this.filters.delete(oldest);
    }
  }
}
