import type { ExportedEntry } from "./sources.js";

/**
 * Merges the entries of several trails into one sequence ordered by `time` (ties by source, then seq), reading each
 * trail in its own order: memory holds one entry per trail. Each replica's trail is in its own time order; entries
 * of different trails are ordered only by their `time` (docs/audit.md).
 */
export async function* mergeByTime(
  sources: readonly AsyncIterable<ExportedEntry>[],
): AsyncGenerator<ExportedEntry> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const first = async (it: AsyncIterator<ExportedEntry>): Promise<ExportedEntry | undefined> => {
    const next = await it.next();
    return next.done === true ? undefined : next.value;
  };
  const heads: (ExportedEntry | undefined)[] = await Promise.all(iterators.map(first));
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head === undefined) continue;
      const best = pick < 0 ? undefined : heads[pick];
      if (best === undefined || before(head, best)) pick = i;
    }
    if (pick < 0) return;
    const chosen = heads[pick];
    if (chosen !== undefined) yield chosen;
    const it = iterators[pick];
    heads[pick] = it === undefined ? undefined : await first(it);
  }
}

function before(a: ExportedEntry, b: ExportedEntry): boolean {
  const ta = Date.parse(a.entry.time);
  const tb = Date.parse(b.entry.time);
  if (ta !== tb) return ta < tb;
  if (a.source !== b.source) return a.source < b.source;
  return a.entry.seq < b.entry.seq;
}
