import { AuditWindow, type RequestCounts } from "./audit-counts.js";
import { AuditPhase, type CountedUsers } from "./audit-phase.js";
import type { AuditTail } from "./audit-tail.js";
import { eventReasons } from "./event-reasons.js";
import type { ScaleScope } from "./scale-world.js";
import type { ScaleOperator } from "./scale-operator.js";

/** What restarting the operator over settled releases measured. */
export interface RestartRun {
  /** ms from the spawn to /readyz answering 200. */
  readonly readyMs: number;
  /** ms from the spawn to the release controller's workers running (it holds the lease). */
  readonly leadingMs: number;
  /** How long the leading operator was watched for writes. */
  readonly quietSeconds: number;
  /** The operator's requests from the spawn to the end of the watch. */
  readonly sinceSpawn: RequestCounts;
  /** The operator's requests from the moment it led to the end of the watch. */
  readonly afterLeading: RequestCounts;
  /** The Events written from the moment it led, by `<kind> <reason>`. */
  readonly eventReasons: ReadonlyMap<string, number>;
}

/**
 * Starts a new operator process (the previous one stopped by the caller), times it to ready and to leading, then
 * counts its requests for `quietSeconds`: with every release settled, a restart should write nothing.
 */
export async function timeRestart(
  scope: ScaleScope,
  tail: AuditTail,
  users: CountedUsers,
  start: () => Promise<ScaleOperator>,
  quietSeconds: number,
): Promise<{ run: RestartRun; operator: ScaleOperator }> {
  const phase = await AuditPhase.open(tail, users);
  const operator = await start();
  const { readyMs, leadingMs } = await operator.waitUntilLeading(600_000);
  const leadingFrom = Date.now();
  const afterLeading = new AuditWindow([users.operator], leadingFrom);
  // The measurement interval itself, not a wait for something to happen.
  await new Promise((resolve) => setTimeout(resolve, quietSeconds * 1000));
  await tail.readNew((line) => {
    phase.window.add(line);
    afterLeading.add(line);
  });
  return {
    run: {
      readyMs,
      leadingMs,
      quietSeconds,
      sinceSpawn: phase.window.countsOf(users.operator),
      afterLeading: afterLeading.countsOf(users.operator),
      eventReasons: await eventReasons(scope.admin, [scope.namespace, "default"], leadingFrom),
    },
    operator,
  };
}
