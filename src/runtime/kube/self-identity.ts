import { reviewSelf } from "./self-review.js";
import type { KubeClient } from "./client.js";
import type { Logger } from "../logging.js";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/**
 * The user name the API server authenticates this process as, learned with a SelfSubjectReview. The operator
 * trusts objects as its own only when admission stamped exactly this name on them, so it must come from the API
 * server, never from configuration. Learned in the background (the API server may be unreachable at start): until
 * then `username` is undefined and everything that asks treats nobody as the operator.
 */
export class SelfIdentity {
  private learned: string | undefined;

  constructor(private readonly client: KubeClient) {}

  /** The learned user name, or undefined before {@link learn} succeeded. */
  get username(): string | undefined {
    return this.learned;
  }

  /** Asks the API server until it answers (with backoff up to 10 s) or `signal` aborts. */
  async learn(signal: AbortSignal, log: Logger): Promise<void> {
    let delayMs = FIRST_RETRY_MS;
    while (this.learned === undefined && !signal.aborted) {
      try {
        this.learned = (await reviewSelf(this.client)).username;
        log.info({ operatorIdentity: this.learned }, "Learned the operator's own identity");
      } catch (err) {
        log.warn(
          { err: (err as Error).message, retryInMs: delayMs },
          "Failed to learn the operator's own identity with a SelfSubjectReview; trying again",
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          });
        });
        delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
      }
    }
  }
}
