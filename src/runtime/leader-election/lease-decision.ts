import type { LeaseRecord, ObservedLease } from "./lease-store.js";

/** Everything one acquire-or-renew attempt decides on, gathered before deciding. */
export interface LeaseDecisionInput {
  identity: string;
  /** The lease as just read, or `undefined` when it does not exist. */
  observed: ObservedLease | undefined;
  /** Local monotonic time at which this exact version was first observed. */
  observedSinceMs: number;
  nowMs: number;
  /** Local wall time, only for the timestamps written into the record. */
  wallNow: Date;
  leaseDurationSeconds: number;
}

/** The write an attempt should make, or why it must wait. */
export type LeaseDecision =
  | { readonly kind: "create"; readonly record: LeaseRecord }
  | { readonly kind: "update"; readonly record: LeaseRecord; readonly resourceVersion: string }
  | { readonly kind: "wait"; readonly holder: string; readonly expiresInMs: number };

/** The holder named by a record, with "nobody" as the empty string. */
export function holderOf(record: LeaseRecord): string {
  return record.holderIdentity ?? "";
}

/**
 * Decides an acquire-or-renew attempt with client-go's rules, as a pure function: another holder's lease counts
 * as expired only after its `leaseDurationSeconds` have passed on OUR monotonic clock since we first saw this
 * version, never by the timestamps it wrote; a takeover is an update pinned to the observed resourceVersion.
 */
export function decideLeaseAction(input: LeaseDecisionInput): LeaseDecision {
  const { identity, observed, wallNow, leaseDurationSeconds } = input;
  if (!observed) {
    return {
      kind: "create",
      record: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: wallNow,
        renewTime: wallNow,
        leaseTransitions: 0,
      },
    };
  }
  const holder = holderOf(observed.record);
  if (holder !== "" && holder !== identity) {
    const expiresAtMs = input.observedSinceMs + observed.record.leaseDurationSeconds * 1000;
    if (expiresAtMs > input.nowMs) return { kind: "wait", holder, expiresInMs: expiresAtMs - input.nowMs };
  }
  const record: LeaseRecord =
    holder === identity
      ? { ...observed.record, holderIdentity: identity, leaseDurationSeconds, renewTime: wallNow }
      : {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: wallNow,
          renewTime: wallNow,
          leaseTransitions: observed.record.leaseTransitions + 1,
        };
  return { kind: "update", record, resourceVersion: observed.resourceVersion };
}

/** The record a leader writes on clean shutdown: nobody holds it and it expires in one second. */
export function releasedRecord(current: LeaseRecord, wallNow: Date): LeaseRecord {
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: wallNow,
    renewTime: wallNow,
    leaseTransitions: current.leaseTransitions,
  };
}
