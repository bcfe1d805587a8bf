/**
 * A bell one side rings and another waits on: the wait ends at the first ring since the previous wait ended, at its
 * timeout, or when its signal aborts, whichever comes first. A ring while nobody waits is kept (once), so a ring that
 * comes while the waiter is busy ends its next wait at once; rings are never queued beyond one.
 */
export class WakeBell {
  private rung = false;
  private waiter: (() => void) | undefined;

  /** Rings: ends the current wait, or the next one when nobody waits. */
  ring(): void {
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.rung = true;
      return;
    }
    waiter();
  }

  /** Waits for a ring, at most `ms`; resolves at once when the bell rang since the last wait or `signal` aborted. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.rung || signal?.aborted === true) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.waiter = done;
    });
  }
}
