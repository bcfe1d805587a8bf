import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ItemExponentialRateLimiter,
  createControllerRateLimiter,
  maxOf,
} from "../../../src/runtime/workqueue/rate-limiter.js";
import { TokenBucketRateLimiter } from "../../../src/runtime/workqueue/token-bucket.js";
import { FakeClock } from "../../support/fake-clock.js";

describe("ItemExponentialRateLimiter", () => {
  it("doubles from 5 ms per failure and caps at 1000 s", () => {
    const limiter = new ItemExponentialRateLimiter();
    const delays = Array.from({ length: 30 }, () => limiter.when("ns/a"));
    assert.deepEqual(delays.slice(0, 6), [5, 10, 20, 40, 80, 160]);
    assert.equal(delays[17], 5 * 2 ** 17); // 655.36 s, the last step below the cap
    assert.deepEqual(delays.slice(18), Array<number>(12).fill(1_000_000));
    assert.equal(limiter.numRequeues("ns/a"), 30);
  });

  it("never overflows to Infinity after very many failures", () => {
    const limiter = new ItemExponentialRateLimiter();
    for (let i = 0; i < 2000; i += 1) limiter.when("ns/a");
    assert.equal(limiter.when("ns/a"), 1_000_000);
  });

  it("keeps keys apart and starts over after forget", () => {
    const limiter = new ItemExponentialRateLimiter();
    limiter.when("ns/a");
    limiter.when("ns/a");
    assert.equal(limiter.when("ns/b"), 5);
    limiter.forget("ns/a");
    assert.equal(limiter.numRequeues("ns/a"), 0);
    assert.equal(limiter.when("ns/a"), 5);
    assert.equal(limiter.numRequeues("ns/b"), 1);
  });
});

describe("TokenBucketRateLimiter", () => {
  it("lets a burst of 100 through at once, then spaces retries 100 ms apart", () => {
    const limiter = new TokenBucketRateLimiter(new FakeClock(), { perSecond: 10, burst: 100 });
    const delays = Array.from({ length: 200 }, (_, i) => limiter.when(`ns/key-${i}`));
    assert.deepEqual(delays.slice(0, 100), Array<number>(100).fill(0));
    assert.deepEqual(
      delays.slice(100),
      Array.from({ length: 100 }, (_, i) => (i + 1) * 100),
    );
  });

  it("refills at the configured rate, up to the burst size", async () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter(clock, { perSecond: 10, burst: 100 });
    for (let i = 0; i < 100; i += 1) limiter.when("k");
    await clock.advance(1000);
    const afterOneSecond = Array.from({ length: 11 }, () => limiter.when("k"));
    assert.deepEqual(afterOneSecond, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100]);
    await clock.advance(3_600_000);
    const afterAnHour = Array.from({ length: 101 }, () => limiter.when("k"));
    assert.equal(afterAnHour.filter((ms) => ms === 0).length, 100);
  });
});

describe("maxOf and the controller rate limiter", () => {
  it("takes the longest delay and forgets in every limiter", () => {
    const fast = new ItemExponentialRateLimiter({ baseDelayMs: 1, maxDelayMs: 10 });
    const slow = new ItemExponentialRateLimiter({ baseDelayMs: 7, maxDelayMs: 70 });
    const limiter = maxOf(fast, slow);
    assert.deepEqual([limiter.when("k"), limiter.when("k")], [7, 14]);
    assert.equal(limiter.numRequeues("k"), 2);
    limiter.forget("k");
    assert.deepEqual([fast.numRequeues("k"), slow.numRequeues("k")], [0, 0]);
  });

  it("combines per-key backoff with the global bucket", () => {
    const limiter = createControllerRateLimiter(new FakeClock());
    for (let i = 0; i < 100; i += 1) limiter.when(`fresh-${i}`);
    assert.equal(limiter.when("fresh-100"), 100, "the bucket is empty: the global rate applies");
    const clock = new FakeClock();
    const quiet = createControllerRateLimiter(clock);
    assert.deepEqual([quiet.when("k"), quiet.when("k"), quiet.when("k")], [5, 10, 20]);
  });
});
