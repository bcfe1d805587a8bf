/**
 * What the benchmark has started, undone in reverse order: on success, on an error and on Ctrl-C alike. Each
 * step runs once even if teardown is asked for twice; a step that fails is reported and the others still run.
 */
export class Cleanup {
  private readonly steps: { what: string; undo: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

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
