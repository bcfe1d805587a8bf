import { Backoff, delay } from "../../runtime/backoff.js";
import { isConflict } from "../../runtime/kube/api-error.js";
import type { Logger } from "../../runtime/logging.js";
import { encodeCursor } from "../feed/cursor.js";
import type { FeedSource } from "../feed/source.js";
import { deliver, type DeliveryOutcome, type PushEndpoint } from "./deliver.js";
import type { PushMetrics } from "./metrics.js";
import type { PushPosition, PushPositionStore } from "./position.js";

/** How the push runs. */
export interface AuditPusherOptions {
  source: FeedSource;
  positions: PushPositionStore;
  endpoint: PushEndpoint;
  /** The most entries one push carries. */
  batch: number;
  /** Refusals (4xx but 408 and 429) of one entry before it is dead-lettered. */
  maxAttempts: number;
  metrics: PushMetrics;
  log: Logger;
  /** How long to wait for new entries when everything was pushed. Default 2 s. */
  pollMs?: number;
  /** The first and the longest pause between failed attempts (doubling, with jitter). Default 500 ms and 60 s. */
  backoffMs?: { initial: number; max: number };
  now?: () => number;
}

/**
 * Pushes new audit entries to the configured endpoint, on the leader only, in seq order, in signed batches
 * `{after, cursor, source, entries}`. At least once: the position (the last seq acknowledged) is saved after each
 * acknowledgement, so a restart or a new leader resends at most the batch in flight; `cursor` and each entry's
 * `seq` let the receiver drop repeats. While the endpoint is down or busy, the same batch is retried with
 * exponential backoff and jitter, for ever: nothing is dropped. A batch refused outright is narrowed to single
 * entries; an entry refused `maxAttempts` times is dead-lettered: counted, logged with its seq, named in the
 * position ConfigMap, and passed, so one poisoned entry does not stop the record.
 */
export class AuditPusher {
  private readonly backoff: Backoff;

  constructor(private readonly options: AuditPusherOptions) {
    this.backoff = new Backoff(options.backoffMs?.initial ?? 500, options.backoffMs?.max ?? 60_000);
  }

  /** Runs until the signal aborts (leadership lost or the operator stopping). */
  async run(signal: AbortSignal): Promise<void> {
    const { source, log, metrics } = this.options;
    let position = await this.retry("read the push position", () => this.options.positions.read(), signal);
    if (position === undefined) return;
    metrics.position.set(position.seq);
    log.info(
      { position: position.seq, url: this.options.endpoint.url.origin },
      "Started pushing audit entries",
    );
    let narrowUntil = 0;
    while (!signal.aborted) {
      const after = position.seq;
      const limit = after < narrowUntil ? 1 : this.options.batch;
      const page = await this.retry(
        "read the audit record",
        () => source.page({ after, limit, filter: {} }),
        signal,
      );
      if (page === undefined) return;
      const first = page.entries[0];
      const last = page.entries.at(-1);
      if (first === undefined || last === undefined) {
        await delay(this.options.pollMs ?? 2_000, signal);
        continue;
      }
      const frame = JSON.stringify({
        after: encodeCursor(after),
        cursor: encodeCursor(page.through),
        source: source.name,
      });
      const body = `${frame.slice(0, -1)},"entries":[${page.entries.map((entry) => entry.json).join(",")}]}`;
      const outcome = await this.send(body, signal);
      if (outcome === undefined) return;
      let next: PushPosition = { seq: page.through, deadLettered: position.deadLettered };
      if (outcome.kind === "refused") {
        if (page.entries.length > 1) {
          log.warn(
            { first: first.seq, last: last.seq, reason: outcome.reason },
            "The push endpoint refused a batch; sending its entries one at a time",
          );
          narrowUntil = page.through;
          continue;
        }
        metrics.deadLetters.inc();
        log.error(
          { seq: first.seq, reason: outcome.reason, attempts: this.options.maxAttempts },
          "Dead-lettered an audit entry the push endpoint refused; it stays in the record",
        );
        next = { seq: page.through, deadLettered: [...position.deadLettered, `${first.seq}-${last.seq}`] };
      }
      const saved = await this.retry("save the push position", () => this.save(next), signal);
      if (saved === undefined) return;
      position = saved;
      metrics.position.set(position.seq);
    }
  }

  /** Delivers one body: retried while the endpoint is unavailable; refused after `maxAttempts` refusals. */
  private async send(body: string, signal: AbortSignal): Promise<DeliveryOutcome | undefined> {
    let refusals = 0;
    for (;;) {
      if (signal.aborted) return undefined;
      const outcome = await deliver(this.options.endpoint, body, this.options.now ?? Date.now);
      if (outcome.kind === "delivered") {
        this.backoff.reset();
        return outcome;
      }
      this.options.metrics.failures.inc({ reason: outcome.kind === "retry" ? "unavailable" : "refused" });
      if (outcome.kind === "refused" && ++refusals >= this.options.maxAttempts) {
        this.backoff.reset();
        return outcome;
      }
      const wait = this.backoff.next();
      this.options.log.warn(
        { reason: outcome.reason, retryInMs: Math.round(wait) },
        "Failed to push audit entries; retrying",
      );
      await delay(wait, signal);
    }
  }

  /** Saves the position; when another writer moved it (409), keeps whichever got further. */
  private async save(next: PushPosition): Promise<PushPosition> {
    try {
      await this.options.positions.write(next);
      return next;
    } catch (err) {
      if (!isConflict(err)) throw err;
      const stored = await this.options.positions.read();
      if (stored.seq >= next.seq) return stored;
      await this.options.positions.write({
        ...next,
        deadLettered: stored.deadLettered.concat(next.deadLettered),
      });
      return next;
    }
  }

  /** Runs `work` until it succeeds, with backoff; undefined when the signal aborts first. */
  private async retry<T>(what: string, work: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      try {
        const result = await work();
        this.backoff.reset();
        return result;
      } catch (err) {
        const wait = this.backoff.next();
        this.options.log.warn(
          { err: (err as Error).message, retryInMs: Math.round(wait) },
          `Failed to ${what}; retrying`,
        );
        await delay(wait, signal);
      }
    }
  }
}
