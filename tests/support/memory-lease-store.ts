import {
  LeaseConflictError,
  type LeaseRecord,
  type LeaseStore,
  type ObservedLease,
} from "../../src/runtime/leader-election/lease-store.js";

/** The lease does not exist; an update needs an existing object, as with the API server's 404. */
export class LeaseNotFoundError extends Error {
  override readonly name = "LeaseNotFoundError";
}

/** The candidate's connection is cut, as when the API server is down or unreachable. */
export class LeaseStoreUnavailableError extends Error {
  override readonly name = "LeaseStoreUnavailableError";
}

/**
 * One Lease object held in memory with the API server's concurrency rules: every write bumps the resourceVersion,
 * a create of an existing lease and an update with a stale resourceVersion fail with {@link LeaseConflictError}.
 */
export class MemoryLeaseStore implements LeaseStore {
  #lease: { record: LeaseRecord; resourceVersion: number } | undefined;
  #lastVersion = 0;

  get(): Promise<ObservedLease | undefined> {
    return Promise.resolve(this.snapshot());
  }

  create(record: LeaseRecord): Promise<void> {
    if (this.#lease)
      return Promise.reject(new LeaseConflictError("leases.coordination.k8s.io already exists"));
    this.#write(record);
    return Promise.resolve();
  }

  update(record: LeaseRecord, resourceVersion: string): Promise<void> {
    if (!this.#lease) return Promise.reject(new LeaseNotFoundError("leases.coordination.k8s.io not found"));
    if (String(this.#lease.resourceVersion) !== resourceVersion) {
      return Promise.reject(
        new LeaseConflictError(
          `resourceVersion ${resourceVersion} is stale; the object is at ${this.#lease.resourceVersion}`,
        ),
      );
    }
    this.#write(record);
    return Promise.resolve();
  }

  /** The stored lease right now, for assertions and for writes made by the test itself. */
  snapshot(): ObservedLease | undefined {
    if (!this.#lease) return undefined;
    return {
      record: structuredClone(this.#lease.record),
      resourceVersion: String(this.#lease.resourceVersion),
    };
  }

  /** A separate connection to this store whose health the test controls, one per candidate. */
  connect(): LeaseConnection {
    return new LeaseConnection(this);
  }

  #write(record: LeaseRecord): void {
    this.#lastVersion += 1;
    this.#lease = { record: structuredClone(record), resourceVersion: this.#lastVersion };
  }
}

/** How a {@link LeaseConnection} answers: normally, with an error at once, or never (until aborted). */
export type ConnectionHealth = "healthy" | "failing" | "hanging";

/**
 * One candidate's path to a {@link MemoryLeaseStore}, so a test can partition a single replica: `failing`
 * rejects every call, `hanging` leaves calls pending until their signal aborts (a stalled API server).
 */
export class LeaseConnection implements LeaseStore {
  health: ConnectionHealth = "healthy";
  /** Runs just before an update reaches the store, to let the test interleave a competing write. */
  beforeUpdate: (() => Promise<void>) | undefined;
  readonly #store: MemoryLeaseStore;

  constructor(store: MemoryLeaseStore) {
    this.#store = store;
  }

  get(signal?: AbortSignal): Promise<ObservedLease | undefined> {
    return this.#call(signal, () => this.#store.get());
  }

  create(record: LeaseRecord, signal?: AbortSignal): Promise<void> {
    return this.#call(signal, () => this.#store.create(record));
  }

  update(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<void> {
    return this.#call(signal, async () => {
      await this.beforeUpdate?.();
      await this.#store.update(record, resourceVersion);
    });
  }

  #call<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    if (this.health === "failing")
      return Promise.reject(new LeaseStoreUnavailableError("connection refused"));
    if (this.health === "hanging") {
      return new Promise<T>((_, reject) => {
        signal?.addEventListener("abort", () => reject(new LeaseStoreUnavailableError("request aborted")), {
          once: true,
        });
      });
    }
    return operation();
  }
}
