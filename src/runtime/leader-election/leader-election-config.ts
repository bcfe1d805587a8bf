import { realClock, type Clock } from "../clock.js";
import { isLeaseConflict, type LeaseStore } from "./lease-store.js";

/** client-go's jitter on acquire attempts: each waits retryPeriod × (1 + random × 1.2). */
export const DEFAULT_JITTER_FACTOR = 1.2;

/** Why a leader stopped leading, passed to `onStoppedLeading` for logs and events. */
export type LeadershipEndReason =
  /** The run signal aborted; the work stopped and the lease was released. */
  | "released"
  /** No renewal succeeded within the renew deadline (API server unreachable, slow or refusing). */
  | "renewDeadlineExceeded"
  /** The lease was found held by someone else. */
  | "leaseTakenOver"
  /** `onStartedLeading` rejected; the lease was released and `run` rejects with that error. */
  | "workFailed";

/** Options for {@link LeaderElector}; durations default to client-go's 15 s / 10 s / 2 s. */
export interface LeaderElectionOptions {
  /** Unique per process (for example pod name plus a random suffix): the same identity counts as the holder. */
  identity: string;
  store: LeaseStore;
  clock?: Clock;
  /** How long a standby waits after last seeing the lease change before taking over; whole seconds. */
  leaseDurationMs?: number;
  /** A leader that has not renewed successfully for this long stops leading. */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs?: number;
  /** Acquire attempts wait retryPeriod × (1 + random × jitterFactor); defaults to client-go's 1.2. */
  jitterFactor?: number;
  /** Source of jitter in [0, 1); defaults to Math.random. */
  random?: () => number;
  /** Recognises a lost write race from the store; defaults to {@link isLeaseConflict}. */
  isConflict?: (err: unknown) => boolean;
  /** Starts the leader's work; it must stop, and its promise settle, once `signal` aborts. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called the moment leadership ends (before the work has finished stopping when the lease was lost). */
  onStoppedLeading?: (reason: LeadershipEndReason) => void;
  /** Called whenever a different, non-empty holder is observed, including this process. */
  onNewLeader?: (identity: string) => void;
  /** Store failures other than conflicts, and attempts cut off by their deadline, for logging. */
  onError?: (error: unknown) => void;
}

/** Options with defaults applied and checked. */
export type ResolvedLeaderElectionOptions = Required<
  Omit<LeaderElectionOptions, "onStoppedLeading" | "onNewLeader" | "onError">
> &
  Pick<LeaderElectionOptions, "onStoppedLeading" | "onNewLeader" | "onError">;

/** Leader election was configured or used in a way that could let two leaders act at once. */
export class LeaderElectionConfigError extends Error {
  override readonly name = "LeaderElectionConfigError";
}

/**
 * Applies defaults and enforces client-go's safety ordering leaseDuration > renewDeadline > jitterFactor ×
 * retryPeriod, so a leader always gives up before a standby may take over.
 */
export function resolveLeaderElectionOptions(options: LeaderElectionOptions): ResolvedLeaderElectionOptions {
  const resolved: ResolvedLeaderElectionOptions = {
    ...options,
    clock: options.clock ?? realClock,
    leaseDurationMs: options.leaseDurationMs ?? 15_000,
    renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
    retryPeriodMs: options.retryPeriodMs ?? 2_000,
    jitterFactor: options.jitterFactor ?? DEFAULT_JITTER_FACTOR,
    random: options.random ?? Math.random,
    isConflict: options.isConflict ?? isLeaseConflict,
  };
  const { identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs, jitterFactor } = resolved;
  if (identity === "") throw new LeaderElectionConfigError("Leader election needs a non-empty identity.");
  if (!Number.isInteger(leaseDurationMs / 1000) || leaseDurationMs < 1000) {
    throw new LeaderElectionConfigError(
      `leaseDurationMs must be whole seconds >= 1 s, got ${leaseDurationMs}.`,
    );
  }
  if (!(retryPeriodMs > 0) || !(jitterFactor >= 0)) {
    throw new LeaderElectionConfigError(`retryPeriodMs must be > 0 and jitterFactor >= 0.`);
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new LeaderElectionConfigError(
      `leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs}).`,
    );
  }
  if (!(renewDeadlineMs > jitterFactor * retryPeriodMs)) {
    throw new LeaderElectionConfigError(
      `renewDeadlineMs (${renewDeadlineMs}) must be greater than jitterFactor × retryPeriodMs (${jitterFactor * retryPeriodMs}).`,
    );
  }
  return resolved;
}
