import { AuditWindow } from "./audit-counts.js";
import type { AuditTail } from "./audit-tail.js";

/** The identities whose requests a scale run counts. */
export interface CountedUsers {
  /** The operator's client certificate user. */
  readonly operator: string;
  /** The load generator's (the admin: releases, Applications, the Argo CD stand-in, the raw baseline). */
  readonly load: string;
}

/** How long the operator must have written nothing before a phase counts as settled. */
const QUIET_MS = 3000;

/**
 * One phase of the run as the audit log saw it: opened at a moment (everything before it was read and left to
 * the previous phase), then read up to the end of the phase into an {@link AuditWindow}.
 */
export class AuditPhase {
  readonly window: AuditWindow;
  /** Epoch ms the phase opened at. */
  readonly originMs: number;

  private constructor(
    private readonly tail: AuditTail,
    private readonly users: CountedUsers,
    originMs: number,
  ) {
    this.originMs = originMs;
    this.window = new AuditWindow([users.operator, users.load], originMs);
  }

  /** Reads (and leaves behind) what the log holds so far, and opens a phase from now. */
  static async open(tail: AuditTail, users: CountedUsers): Promise<AuditPhase> {
    await tail.readNew(() => undefined);
    return new AuditPhase(tail, users, Date.now());
  }

  /** Reads what the log holds now into the phase. */
  async read(): Promise<void> {
    await this.tail.readNew((line) => this.window.add(line));
  }

  /**
   * Reads until the operator has written nothing for a few seconds and `idle` says its queues are empty (bounded
   * by `boundMs`), so the writes a phase caused after its last release was Verified (archiving, for one) are
   * counted with it. Returns whether it went quiet within the bound.
   */
  async settle(idle: () => boolean, boundMs: number): Promise<boolean> {
    const deadline = Date.now() + boundMs;
    for (;;) {
      await this.read();
      const series = this.window.writesPerSecondOf(this.users.operator);
      const lastWriteMs = this.originMs + lastNonZero(series) * 1000;
      if (Date.now() - lastWriteMs >= QUIET_MS + 1000 && idle()) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The index of the last non-zero entry (-1 when there is none). */
function lastNonZero(series: readonly number[]): number {
  for (let i = series.length - 1; i >= 0; i--) if ((series[i] ?? 0) > 0) return i;
  return -1;
}
