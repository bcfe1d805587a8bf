import type { AuditLine } from "../audit-lines.js";
import type { FeedQuery } from "./query.js";

/**
 * One stored entry as the feed serves it: its seq, and its JSON exactly as stored (the text the hash was checked
 * against; for the database, the `entry` column as written), so a page is assembled without re-encoding entries.
 */
export interface FeedEntry {
  seq: number;
  json: string;
}

/** One page read from a store, before it is answered. */
export interface FeedPage {
  /** The entries the filter kept, in chain order. */
  entries: FeedEntry[];
  /**
   * The seq through which this page covered the store: the last entry returned when the page is full, else the
   * store's head when it was read (every entry up to it was considered, kept or not). The next cursor.
   */
  through: number;
  /** Whether entries after `through` existed when the page was read (the client need not wait to ask again). */
  more: boolean;
}

/** One stored entry in chain order, as the chain checker reads it; `key` is where a later read resumes after. */
export interface ChainRow {
  key: number;
  line: AuditLine;
}

/** Where the feed reads the audit record from: the PostgreSQL store, or this replica's file trail. Reads only. */
export interface FeedSource {
  /** What the record is called in answers and logs (a URL without its password, or a file path). */
  readonly name: string;
  /** Whether chain positions are rows of a table or lines of a file (in verification messages). */
  readonly unit: "row" | "line";
  /** One page of entries after `query.after`, filtered, at most `query.limit`. */
  page(query: FeedQuery): Promise<FeedPage>;
  /** Every stored entry after `key` (0: from the first), in chain order, unfiltered: what the verifier checks. */
  rowsAfter(key: number): AsyncIterable<ChainRow>;
  close(): Promise<void>;
}
