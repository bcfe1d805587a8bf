import { AuditChainChecker } from "../chain-checker.js";
import type { AuditBreak } from "../verification.js";
import type { FeedSource } from "./source.js";

/** What a page says of the chain: checked from entry 1 through `verifiedThrough`, and where it broke, if it did. */
export type ChainStatus =
  | { intact: true; verifiedThrough: number }
  | { intact: false; verifiedThrough: number; firstBad: AuditBreak };

/**
 * Verifies the record once, incrementally, and remembers how far: each page asks for the chain up to its last
 * entry, and only entries not checked before are read and hashed (one checker for every client of this replica).
 * A million-entry record is therefore verified once, as it is paged, never again per page. Once broken it stays
 * broken: nothing after the first bad entry is vouched for.
 */
export class ChainVerifier {
  private readonly checker: AuditChainChecker;
  private resumeAfter = 0;
  private position = 0;
  private broken: AuditBreak | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly source: FeedSource) {
    this.checker = new AuditChainChecker(source.unit);
  }

  /** The chain's status once every entry up to `seq` (or the store's end, if sooner) has been checked. */
  async through(seq: number): Promise<ChainStatus> {
    const turn = this.running.then(() => this.advance(seq));
    this.running = turn.catch(() => undefined);
    await turn;
    return this.status();
  }

  /** The status as far as checked, without reading anything. */
  status(): ChainStatus {
    const verifiedThrough = this.checker.lastEntry()?.seq ?? 0;
    if (this.broken !== undefined) return { intact: false, verifiedThrough, firstBad: this.broken };
    return { intact: true, verifiedThrough };
  }

  private async advance(seq: number): Promise<void> {
    if (this.broken !== undefined || (this.checker.lastEntry()?.seq ?? 0) >= seq) return;
    for await (const row of this.source.rowsAfter(this.resumeAfter)) {
      this.position += 1;
      this.resumeAfter = row.key;
      if (this.checker.check({ ...row.line, number: this.position })) {
        const verdict = this.checker.finish();
        if (!verdict.ok) this.broken = verdict.firstBad;
        return;
      }
      if ((this.checker.lastEntry()?.seq ?? 0) >= seq) return;
    }
  }
}
