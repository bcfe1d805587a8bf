import { clampDelayMs, type Clock, type TimerHandle, type TimerOptions } from "../../src/runtime/clock.js";

interface FakeTimer {
  readonly dueMs: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Lets pending promise continuations run: every queued microtask drains before a macrotask. */
function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A deterministic {@link Clock} for tests: time moves only through {@link FakeClock.advance}, timers fire in
 * due-time order (ties in scheduling order), and promise continuations settle after each timer.
 */
export class FakeClock implements Clock {
  readonly #wallStartMs: number;
  #nowMs = 0;
  #nextSeq = 0;
  #advancing = false;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(start: Date = new Date("2030-01-01T00:00:00.000Z")) {
    this.#wallStartMs = start.getTime();
  }

  /** Wall time: the start date plus the time advanced so far. */
  now(): Date {
    return new Date(this.#wallStartMs + this.#nowMs);
  }

  /** Milliseconds advanced since construction. */
  monotonicMs(): number {
    return this.#nowMs;
  }

  /** Schedules `fn` at now + `ms`; it fires during a later (or the current) {@link FakeClock.advance}. */
  setTimer(ms: number, fn: () => void, _options?: TimerOptions): TimerHandle {
    const seq = this.#nextSeq++;
    this.#timers.set(seq, { dueMs: this.#nowMs + clampDelayMs(ms), seq, fn });
    return { cancel: () => void this.#timers.delete(seq) };
  }

  /** How many timers are scheduled and not yet fired or cancelled. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due in the window in order, including timers
   * scheduled by fired timers or by the promise continuations they trigger. Resolves once all has settled.
   */
  async advance(ms: number): Promise<void> {
    if (this.#advancing)
      throw new FakeClockMisuseError("advance() called while another advance() is running");
    if (!(ms >= 0)) throw new FakeClockMisuseError(`advance() needs a non-negative duration, got ${ms}`);
    this.#advancing = true;
    try {
      const targetMs = this.#nowMs + ms;
      await settleMicrotasks();
      for (let timer = this.#nextDue(targetMs); timer; timer = this.#nextDue(targetMs)) {
        this.#timers.delete(timer.seq);
        this.#nowMs = Math.max(this.#nowMs, timer.dueMs);
        timer.fn();
        await settleMicrotasks();
      }
      this.#nowMs = targetMs;
      await settleMicrotasks();
    } finally {
      this.#advancing = false;
    }
  }

  /** Lets promise continuations run without moving time. */
  settle(): Promise<void> {
    return this.advance(0);
  }

  #nextDue(targetMs: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.dueMs > targetMs) continue;
      if (!next || timer.dueMs < next.dueMs || (timer.dueMs === next.dueMs && timer.seq < next.seq))
        next = timer;
    }
    return next;
  }
}

/** A test drove the fake clock in a way that would make results depend on scheduling luck. */
export class FakeClockMisuseError extends Error {
  override readonly name = "FakeClockMisuseError";
}
