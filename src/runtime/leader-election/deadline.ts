import type { Clock } from "../clock.js";

/** An operation was abandoned because it did not finish within its deadline. */
export class DeadlineExceededError extends Error {
  override readonly name = "DeadlineExceededError";
}

/**
 * Runs `operation` with a signal that aborts after `ms` on `clock` or when `outer` aborts, and settles at that
 * moment even if the operation ignores its signal. A late result of the abandoned operation is discarded
 * (Promise.race keeps it handled), so a hung API call can never stall the caller past its deadline.
 */
export async function runWithDeadline<T>(
  clock: Clock,
  ms: number,
  outer: AbortSignal,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(outer.reason);
  const timer = clock.setTimer(ms, () =>
    controller.abort(new DeadlineExceededError(`Lease operation did not finish within ${ms} ms`)),
  );
  outer.addEventListener("abort", onOuterAbort, { once: true });
  if (outer.aborted) onOuterAbort();
  const aborted = new Promise<never>((_, reject) => {
    const rejectWithReason = (): void => reject(abortReasonOf(controller.signal));
    if (controller.signal.aborted) rejectWithReason();
    else controller.signal.addEventListener("abort", rejectWithReason, { once: true });
  });
  try {
    return await Promise.race([Promise.resolve().then(() => operation(controller.signal)), aborted]);
  } finally {
    timer.cancel();
    outer.removeEventListener("abort", onOuterAbort);
  }
}

/** The reason a signal aborted, as an Error (an `abort()` without an Error reason becomes an AbortError). */
function abortReasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("The operation was aborted.", "AbortError");
}
