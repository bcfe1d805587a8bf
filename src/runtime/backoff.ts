/** Exponential backoff with full jitter between a floor and a ceiling, as client-go's reflector uses. */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.current = initialMs;
  }

  /** The next delay: the current step with ±50% jitter; the step then doubles up to the ceiling. */
  next(): number {
    const delay = this.current * (0.5 + this.random());
    this.current = Math.min(this.current * 2, this.maxMs);
    return Math.min(delay, this.maxMs);
  }

  /** Back to the first step, after a success. */
  reset(): void {
    this.current = this.initialMs;
  }
}

/** Waits for a delay unless the signal aborts first; never rejects. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
