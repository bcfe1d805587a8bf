/** What a batch commit says about each of its items, in order: undefined when it is durable, else why not. */
export type BatchOutcome = undefined | { error: unknown };

/** The most items one commit takes; the rest wait for the next (a bound on the size of one write). */
export const MAX_BATCH_ITEMS = 256;

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit (ADR 0035): items submitted while a commit is running are committed together by the next one, so
 * concurrent writers share one write and one fsync instead of queueing for one each. Items are handed to
 * `commit` in submission order, one commit at a time; each submission settles only after the commit that took
 * it has returned, with that commit's verdict on it. A commit that throws rejects every item of its batch. Nothing
 * waits for company: an item submitted while no commit runs is committed at once, alone.
 */
export class GroupCommit<T> {
  private queue: Waiter<T>[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly commit: (items: readonly T[]) => Promise<readonly BatchOutcome[]>) {}

  /** Queues one item; resolves once a commit made it durable, rejects with the reason it could not. */
  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once every item submitted so far has settled; never rejects. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH_ITEMS);
      let outcomes: readonly BatchOutcome[];
      try {
        outcomes = await this.commit(batch.map((waiter) => waiter.item));
      } catch (err) {
        for (const waiter of batch) waiter.reject(err);
        continue;
      }
      batch.forEach((waiter, index) => {
        const outcome = index < outcomes.length ? outcomes[index] : { error: missingOutcome(index) };
        if (outcome === undefined) waiter.resolve();
        else waiter.reject(outcome.error);
      });
    }
    this.running = undefined;
  }
}

function missingOutcome(index: number): Error {
  return new Error(`The batch commit returned no outcome for item ${index}; it is not known to be durable.`);
}
