/**
 * What the prod gate of one promotion in the insights benchmark's year waited on, recorded as the Release controller
 * records it (`gateWaitAudit`, ADR 0053): checks and approvals from the request, approvals alone once the check is
 * done, then from the approval to the promotion a closed deployment window, a lock or a freeze (chosen from the
 * release's name, so the year's random sequence is the one earlier runs drew), and the gate opening at the promotion.
 */
import { createHash } from "node:crypto";
import type { ReleaseEnvironmentStatus } from "../../src/api/v1alpha1/release.js";
import type { AuditEvent } from "../../src/audit/recorder.js";
import { gateWaitAudit } from "../../src/controllers/release/gate-wait.js";
import type { GateCategory } from "../../src/policy/gate-categories.js";

/** The times of the facts the gate's waits change at, in milliseconds. */
export interface GateTimes {
  requestedAt: number;
  checkedAt: number;
  approvedAt: number;
  promotedAt: number;
}

const HELD: readonly { category: GateCategory; reason: string }[] = [
  { category: "window", reason: "OutsideWindow" },
  { category: "window", reason: "OutsideWindow" },
  { category: "window", reason: "OutsideWindow" },
  { category: "lock", reason: "TargetLocked" },
  { category: "freeze", reason: "Frozen" },
];

/** The GateWaitChanged events of one promotion to prod, each with its time. */
export function gateWaitEvents(
  release: { namespace: string; name: string; uid: string },
  times: GateTimes,
): [number, AuditEvent][] {
  const pick = createHash("sha1").update(`gate:${release.name}`).digest()[0] ?? 0;
  const held = HELD[pick % HELD.length] ?? { category: "window", reason: "OutsideWindow" };
  const gated = (since: number, categories: GateCategory[], reasons: string[]): ReleaseEnvironmentStatus => ({
    name: "prod",
    state: "Gated",
    gateWait: { categories, reasons, since: new Date(since).toISOString() },
  });
  const steps: [number, ReleaseEnvironmentStatus][] = [
    [
      times.requestedAt,
      gated(times.requestedAt, ["checks", "approvals"], ["ChecksPending", "ChangeNotApproved"]),
    ],
    [times.checkedAt, gated(times.checkedAt, ["approvals"], ["ChangeNotApproved"])],
  ];
  if (times.approvedAt < times.promotedAt) {
    steps.push([times.approvedAt, gated(times.approvedAt, [held.category], [held.reason])]);
  }
  steps.push([times.promotedAt, { name: "prod", state: "Deploying", promotions: 1 }]);
  const events: [number, AuditEvent][] = [];
  let before: ReleaseEnvironmentStatus | undefined;
  for (const [at, after] of steps) {
    const stored = before === undefined ? undefined : { environments: [before] };
    for (const event of gateWaitAudit(release, stored, [after], new Date(at))) events.push([at, event]);
    before = after;
  }
  return events;
}
