/**
 * The fields of a coordination.k8s.io/v1 Lease spec that leader election reads and writes. Timestamps are the
 * writer's wall clock and are informational only: expiry is judged on the reader's monotonic clock.
 */
export interface LeaseRecord {
  /** The current leader; empty or absent when nobody holds the lease (for example after a release). */
  holderIdentity?: string;
  /** How long others must wait, after last seeing the record change, before they may take over. */
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  /** How many times the lease changed hands. */
  leaseTransitions: number;
}

/** A lease as read, with the resourceVersion an update must carry to prove it saw this exact version. */
export interface ObservedLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/**
 * The narrow storage leader election needs, implemented by the Kubernetes adapter against one Lease object.
 * `create` must fail when the lease exists and `update` must fail when `resourceVersion` is stale, both with an
 * error the elector's `isConflict` recognises (by default a {@link LeaseConflictError}). Implementations should
 * abandon the request when `signal` aborts.
 */
export interface LeaseStore {
  /** Reads the lease, or `undefined` when it does not exist. */
  get(signal?: AbortSignal): Promise<ObservedLease | undefined>;
  /** Creates the lease; fails with a conflict when it already exists. */
  create(record: LeaseRecord, signal?: AbortSignal): Promise<void>;
  /** Replaces the lease only if it is still at `resourceVersion`; fails with a conflict otherwise. */
  update(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<void>;
}

/** Another writer changed or created the lease first; the attempt lost a race and is simply retried later. */
export class LeaseConflictError extends Error {
  override readonly name = "LeaseConflictError";
}

/** Whether `err` means a lost write race (stale resourceVersion or lease already exists). */
export function isLeaseConflict(err: unknown): boolean {
  return err instanceof LeaseConflictError;
}

/** Whether two observations are the same version of the lease; any change restarts the expiry countdown. */
export function isSameLease(a: ObservedLease, b: ObservedLease): boolean {
  return (
    a.resourceVersion === b.resourceVersion &&
    (a.record.holderIdentity ?? "") === (b.record.holderIdentity ?? "") &&
    a.record.leaseDurationSeconds === b.record.leaseDurationSeconds &&
    a.record.leaseTransitions === b.record.leaseTransitions &&
    a.record.acquireTime?.getTime() === b.record.acquireTime?.getTime() &&
    a.record.renewTime?.getTime() === b.record.renewTime?.getTime()
  );
}
