/** A second signal this soon after the first is the same Ctrl-C delivered twice (by the terminal and by tsx). */
const REPEATED_SIGNAL_MS = 2_000;

/**
 * What the benchmark has started, undone in reverse order: on success, on an error and on Ctrl-C alike. Each
 * step runs once even if teardown is asked for twice; a step that fails is reported and the others still run.
 */
export class Cleanup {
  private readonly steps: { what: string; undo: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;
  private signalledAt: number | undefined;
  private failedRun = false;

  /** Whether the run failed (teardown then keeps logs). */
  get failed(): boolean {
    return this.failedRun;
  }

  /** Whether Ctrl-C (SIGINT) or SIGTERM started the teardown. */
  get interrupted(): boolean {
    return this.signalledAt !== undefined;
  }

  /**
   * Tears down and exits with 130 on SIGINT or SIGTERM. A later signal while tearing down forces the exit (the
   * attached processes are SIGKILLed on exit); one within {@link REPEATED_SIGNAL_MS} is the same Ctrl-C.
   */
  tearDownOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.signalledAt !== undefined) {
        if (Date.now() - this.signalledAt > REPEATED_SIGNAL_MS) process.exit(130);
        return;
      }
      this.signalledAt = Date.now();
      console.error(`\nReceived ${signal}; tearing down...`);
      void this.run().finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  /**
   * Runs a benchmark's `main`, then tears down and exits: 0, or 1 after printing the error (`describe` may shorten
   * it). After Ctrl-C the operator and the control plane go away under the run, so its errors say nothing and the
   * signal's teardown exits.
   */
  async finish(main: () => Promise<void>, describe: (err: unknown) => unknown = (err) => err): Promise<void> {
    try {
      await main();
    } catch (err) {
      if (this.interrupted) return;
      this.failedRun = true;
      console.error(describe(err));
    }
    if (this.interrupted) return;
    await this.run();
    process.exit(this.failedRun ? 1 : 0);
  }

  /** Registers how to undo something just started. */
  defer(what: string, undo: () => Promise<void> | void): void {
    this.steps.push({ what, undo });
  }

  /** Runs every registered step, newest first. Idempotent: a second call waits for the first. */
  run(): Promise<void> {
    this.running ??= this.unwind();
    return this.running;
  }

  private async unwind(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step.undo();
      } catch (err) {
        console.error(`Failed to ${step.what}: ${(err as Error).message}`);
      }
    }
  }
}
