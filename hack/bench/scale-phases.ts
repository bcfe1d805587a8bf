// The steady and burst runs of `make bench-scale`: releases created, each promoted by the operator through its
// Argo CD Application (completed by the stand-in), until the load generator's watch sees every one Verified.
import type { RequestCounts } from "./audit-counts.js";
import { AuditPhase, type CountedUsers } from "./audit-phase.js";
import { eventReasons } from "./event-reasons.js";
import type { AuditTail } from "./audit-tail.js";
import type { OperatorSample } from "./operator-sampler.js";
import { createApplications, createReleases, range, releaseName, type ScaleScope } from "./scale-world.js";
import type { VerifiedWatch } from "./verified-watch.js";

/** What one run of promotions measured. */
export interface PromotionRun {
  readonly releases: number;
  /** ms from the first create's start to the last release seen Verified. */
  readonly spanMs: number;
  /** Per release, ms from the start of its create to the watch seeing it Verified, in creation order. */
  readonly toVerified: readonly number[];
  /** ms from the first create's start until each release was seen Verified, ascending. */
  readonly verifiedOffsets: readonly number[];
  readonly operator: RequestCounts;
  readonly load: RequestCounts;
  /** Writes per second (Leases left out) from the first create, by the operator and by the load generator. */
  readonly operatorWritesPerSecond: readonly number[];
  readonly loadWritesPerSecond: readonly number[];
  /** The operator's samples (queue depth, memory) from the first create on, `second` counted from it. */
  readonly samples: readonly OperatorSample[];
  /** Whether the operator went quiet within the bound after the last release was Verified. */
  readonly settled: boolean;
  /** ms from the first create's start until the operator was quiet with empty queues (or the bound ran out). */
  readonly quietMs: number;
  /** The Events written during the run, by `<kind> <reason>`. */
  readonly eventReasons: ReadonlyMap<string, number>;
}

/** What a promotion run needs: where to create, what to count, and the watches already running. */
export interface PhaseContext {
  readonly scope: ScaleScope;
  readonly tail: AuditTail;
  readonly users: CountedUsers;
  readonly verified: VerifiedWatch;
  /** Every sample of the operator so far (of every process, when one was restarted). */
  readonly samples: () => readonly OperatorSample[];
  readonly log: (line: string) => void;
}

/** The bound on waiting for the operator to go quiet after a run grows with the run (archiving is one worker). */
const SETTLE_MS_PER_RELEASE = 500;
/** Applications are set up before a run starts, this many at a time: not part of what is measured. */
const SETUP_IN_FLIGHT = 20;

/**
 * Creates `count` Applications (untimed), then `count` Releases numbered from `from` with `inFlight` creates at a
 * time, waits until all are Verified, and counts what each identity asked of the API server meanwhile.
 */
export async function promoteReleases(
  ctx: PhaseContext,
  {
    from,
    count,
    inFlight,
    label,
    settleSeconds = 0,
    onCreated,
  }: {
    from: number;
    count: number;
    inFlight: number;
    label: string;
    settleSeconds?: number;
    /** Called once every release of the run is created: from then on the API server serves promotions only. */
    onCreated?: () => void;
  },
): Promise<PromotionRun> {
  const indices = range(from, count);
  const names = indices.map(releaseName);
  ctx.log(`${label}: creating ${count} Argo CD Applications (setup, not measured)...`);
  await createApplications(ctx.scope, indices, SETUP_IN_FLIGHT);
  const phase = await AuditPhase.open(ctx.tail, ctx.users);
  const start = performance.now();
  ctx.log(`${label}: creating ${count} releases, ${inFlight} at a time...`);
  const created = await createReleases(ctx.scope, indices, inFlight);
  onCreated?.();
  ctx.log(
    `${label}: created in ${(created.spanMs / 1000).toFixed(1)} s; waiting for every release to be Verified...`,
  );
  const boundMs = Math.max(600_000, count * 500);
  await ctx.verified.waitForAll(names, boundMs, (done) => ctx.log(`${label}: ${done}/${count} Verified`));
  const verifiedAt = names.map((name) => ctx.verified.at(name) ?? Number.NaN);
  const end = Math.max(...verifiedAt);
  ctx.log(
    `${label}: all Verified after ${((end - start) / 1000).toFixed(1)} s; waiting for the operator to go quiet (queues empty)...`,
  );
  const idle = (): boolean => {
    const last = ctx.samples().at(-1);
    return (
      last !== undefined &&
      Object.keys(last.depth).length > 0 &&
      Object.values(last.depth).every((d) => d === 0)
    );
  };
  const bound = settleSeconds > 0 ? settleSeconds * 1000 : 60_000 + count * SETTLE_MS_PER_RELEASE;
  const settled = await phase.settle(idle, bound);
  const quietMs = performance.now() - start;
  const reasons = await eventReasons(ctx.scope.admin, [ctx.scope.namespace, "default"], phase.originMs);
  const samples = ctx
    .samples()
    .filter((s) => s.at >= start)
    .map((s) => ({ ...s, second: Math.round((s.at - start) / 1000) }));
  return {
    releases: count,
    spanMs: end - start,
    toVerified: verifiedAt.map((at, k) => at - (created.startedAt[k] ?? Number.NaN)),
    verifiedOffsets: verifiedAt.map((at) => at - start).sort((a, b) => a - b),
    operator: phase.window.countsOf(ctx.users.operator),
    load: phase.window.countsOf(ctx.users.load),
    operatorWritesPerSecond: phase.window.writesPerSecondOf(ctx.users.operator),
    loadWritesPerSecond: phase.window.writesPerSecondOf(ctx.users.load),
    samples,
    settled,
    quietMs,
    eventReasons: reasons,
  };
}
