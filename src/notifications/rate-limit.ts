import type { NotificationRateLimit } from "../api/v1alpha1/notification-route.js";

/**
 * A token bucket per route: `burst` deliveries at once, refilled at `perMinute`. Deliveries beyond it are not
 * claimed and wait, in order, for a later pass. One event with more recipients than the bucket holds may take a
 * full bucket into debt, so it is never stuck. Held in memory: a restart starts with a full bucket (ADR 0044).
 */
export class RouteRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number) {}

  /** The deliveries the route may make now (whole; negative while in debt). */
  available(route: string, limit: NotificationRateLimit): number {
    const bucket = this.refill(route, limit);
    return Math.floor(bucket.tokens);
  }

  /** Whether the bucket is full (an oversized event may then go into debt). */
  full(route: string, limit: NotificationRateLimit): boolean {
    return this.refill(route, limit).tokens >= limit.burst;
  }

  /** Spends `count` tokens (the claims just made). */
  spend(route: string, limit: NotificationRateLimit, count: number): void {
    this.refill(route, limit).tokens -= count;
  }

  /** Forgets routes no longer served. */
  retain(routes: ReadonlySet<string>): void {
    for (const route of this.buckets.keys()) if (!routes.has(route)) this.buckets.delete(route);
  }

  private refill(route: string, limit: NotificationRateLimit): { tokens: number; at: number } {
    const now = this.now();
    let bucket = this.buckets.get(route);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, at: now };
      this.buckets.set(route, bucket);
    }
    const earned = ((now - bucket.at) / 60_000) * limit.perMinute;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + earned);
    bucket.at = now;
    return bucket;
  }
}
