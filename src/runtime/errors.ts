/**
 * A reconcile failure that retrying cannot fix (bad user input). The runtime does not retry it; it marks the
 * object Stalled with this message and emits a Warning event, so the message must say what to fix.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";

  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether an error is a TerminalError. */
export function isTerminal(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}
