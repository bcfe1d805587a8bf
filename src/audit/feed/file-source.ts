import { readAuditLines } from "../audit-lines.js";
import { parseAuditLine } from "../entry.js";
import { keeps } from "../export/filter.js";
import type { ChainRow, FeedPage, FeedSource } from "./source.js";

/**
 * This replica's own file trail as the feed reads it (file-trail mode is one replica, so its file is the whole
 * record). The file is only ever opened for reading. A page reads the file from its start (bounded memory, time
 * proportional to the file): the file trail is the embedded default, the database is the production store.
 * A last line without its newline is being written and is left for a later page, so no entry is served twice.
 */
export function fileFeedSource(path: string): FeedSource {
  return {
    name: path,
    unit: "line",
    async page(query): Promise<FeedPage> {
      const entries: FeedPage["entries"] = [];
      let through = query.after;
      for await (const line of readAuditLines(path)) {
        if (!line.complete || line.text === undefined) break;
        const parsed = parseAuditLine(line.text);
        if (!parsed.ok) break; // the verifier names it; nothing after a bad line is served
        const seq = parsed.entry.seq;
        if (seq <= query.after) continue;
        // A full page ends at its last entry; the next whole entry only says there is more.
        if (entries.length === query.limit) return { entries, through, more: true };
        if (keeps(query.filter, parsed.entry)) entries.push({ seq, json: line.text });
        through = seq;
      }
      return { entries, through, more: false };
    },
    async *rowsAfter(key): AsyncGenerator<ChainRow> {
      for await (const line of readAuditLines(path)) {
        if (line.number <= key) continue;
        if (!line.complete) return; // being written: verified once it is whole
        yield { key: line.number, line };
      }
    },
    close: async () => {},
  };
}
