import { LocalClusterError } from "./errors.js";

/**
 * Raised when a bounded wait (readiness, exit, an Established condition) runs out of time. It is separate
 * from {@link LocalClusterError} so callers can tell "too slow" from "broken".
 */
export class LocalClusterTimeoutError extends LocalClusterError {
  override readonly name: string = "LocalClusterTimeoutError";
}

/**
 * Polls `check` until it returns a value other than `undefined`, or throws a {@link LocalClusterTimeoutError}
 * after `timeoutMs`. It exists so no caller ever sleeps as synchronisation: every wait has a bound and a reason.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; describeFailure?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const detail = options.describeFailure?.() ?? "";
      throw new LocalClusterTimeoutError(
        `Timed out after ${options.timeoutMs} ms waiting for ${what}.${detail ? `\n${detail}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
