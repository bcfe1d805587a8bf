import type { NotificationDelivery } from "../api/v1alpha1/notification-route.js";
import { deliveryId } from "./match.js";

/** The most unsettled deliveries (in flight and waiting to retry) a route's status holds; beyond it, new ones wait. */
export const MAX_PENDING_DELIVERIES = 200;

/** One entry a route wants, in chain order, with the recipients it goes to. */
export interface Candidate {
  seq: number;
  /** The entry's hash: the event id. */
  event: string;
  recipients: readonly string[];
}

/** What a pass knows when it decides what to claim. */
export interface ClaimInput {
  routeUid: string;
  /** Every entry up to this seq is settled. */
  position: number;
  /** The page read covered entries up to this seq (the candidates are the ones the route wants among them). */
  through: number;
  candidates: readonly Candidate[];
  /** Retries whose time has come, oldest first. */
  dueRetries: readonly NotificationDelivery[];
  /** Retries still waiting (not due): they count against the status bound. */
  waitingRetries: number;
  /** Deliveries the rate limit allows now. */
  tokens: number;
  /** Whether the bucket is full: one event with more recipients than it holds may then go into debt. */
  bucketFull: boolean;
}

/** What a pass claims: the deliveries it will make, and the position that covers them. */
export interface ClaimPlan {
  claims: NotificationDelivery[];
  position: number;
}

/**
 * Decides what a pass claims: due retries first, then new events in order, each event whole (all its recipients
 * or none), as far as the rate limit and the status bound allow. The position moves past every entry whose
 * deliveries are claimed and every entry the route did not want, and stops before the first it could not take, so
 * nothing is skipped. Pure.
 */
export function planClaims(input: ClaimInput): ClaimPlan {
  let budget = input.tokens;
  const claims: NotificationDelivery[] = [];
  for (const retry of input.dueRetries) {
    if (budget <= 0) break;
    claims.push(retry);
    budget -= 1;
  }
  const room = MAX_PENDING_DELIVERIES - input.waitingRetries - (input.dueRetries.length - claims.length);
  let position = input.position;
  for (const candidate of input.candidates) {
    const need = candidate.recipients.length;
    const debt = claims.length === 0 && input.bucketFull;
    if (claims.length + need > room || (need > budget && !debt)) {
      return { claims, position: Math.max(position, candidate.seq - 1) };
    }
    for (const recipient of candidate.recipients) {
      claims.push({
        id: deliveryId(candidate.event, input.routeUid, recipient),
        event: candidate.event,
        seq: candidate.seq,
        recipient,
        attempts: 0,
      });
    }
    budget -= need;
    position = candidate.seq;
  }
  return { claims, position: Math.max(position, input.through) };
}

/** What became of one attempt. */
export type AttemptOutcome =
  | { kind: "delivered" }
  /** Not accepted, and known not to have been: worth another attempt (5xx, 429, refused connection, 4xx SMTP). */
  | { kind: "retry"; error: string; receiverDown?: boolean }
  /**
   * Refused for good (other 4xx, 5xx SMTP), or possibly sent (no answer after the request was written): not tried
   * again. `receiverDown` (on either): the receiver itself is failing, not this one delivery; the pass stops.
   */
  | { kind: "failed"; error: string; receiverDown?: boolean }
  /** Not attempted: the receiver failed an earlier delivery of the same pass. Waits, its attempts unchanged. */
  | { kind: "deferred"; error: string };

/** How retries are spaced and when they stop. */
export interface RetryPolicy {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
}

/** The settled result of a batch of attempts, to fold into the status. */
export interface SettledBatch {
  retries: NotificationDelivery[];
  delivered: number;
  failed: number;
  /** The last error, when an attempt failed (retried or given up). */
  lastError?: { id: string; recipient: string; seq: number; error: string; gaveUp: boolean };
}

/**
 * Folds the outcomes of a batch: delivered ones count, retryable ones wait `initial * 2^(attempts-1)` (capped)
 * until the policy's last attempt, failed ones and exhausted ones are given up and counted, deferred ones (never
 * sent) wait `initial` with their attempts unchanged. Pure.
 */
export function settleAttempts(
  attempts: readonly { delivery: NotificationDelivery; outcome: AttemptOutcome }[],
  policy: RetryPolicy,
  now: number,
): SettledBatch {
  const settled: SettledBatch = { retries: [], delivered: 0, failed: 0 };
  for (const { delivery, outcome } of attempts) {
    if (outcome.kind === "delivered") {
      settled.delivered += 1;
      continue;
    }
    if (outcome.kind === "deferred") {
      settled.retries.push({
        ...delivery,
        nextAttemptAt: new Date(now + policy.initialMs).toISOString(),
        lastError: outcome.error.slice(0, 1024),
      });
      continue;
    }
    const made = delivery.attempts + 1;
    const gaveUp = outcome.kind === "failed" || made >= policy.maxAttempts;
    settled.lastError = {
      id: delivery.id,
      recipient: delivery.recipient,
      seq: delivery.seq,
      error: outcome.error,
      gaveUp,
    };
    if (gaveUp) {
      settled.failed += 1;
      continue;
    }
    const wait = Math.min(policy.maxMs, policy.initialMs * 2 ** (made - 1));
    settled.retries.push({
      ...delivery,
      attempts: made,
      nextAttemptAt: new Date(now + wait).toISOString(),
      lastError: outcome.error.slice(0, 1024),
    });
  }
  return settled;
}
