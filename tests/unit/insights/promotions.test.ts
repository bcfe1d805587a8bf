import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredAuditEntry } from "../../../src/audit/entry.js";
import { transitionId, type AuditAction } from "../../../src/audit/recorder.js";
import { bottlenecks } from "../../../src/insights/measures/bottlenecks.js";
import { cycleTimes } from "../../../src/insights/measures/cycle-time.js";
import { doraMeasures } from "../../../src/insights/measures/dora.js";
import type { InsightScope } from "../../../src/insights/measures/period.js";
import { collectPromotions } from "../../../src/insights/measures/promotions.js";
import { parseSelector } from "../../../src/insights/selector.js";

let seq = 0;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();

function entry(
  minute: number,
  action: AuditAction,
  object: StoredAuditEntry["object"],
  details: Record<string, unknown>,
  transition?: string,
): StoredAuditEntry {
  seq += 1;
  return {
    seq,
    time: at(minute),
    actor: "stagegate-operator",
    action,
    object,
    details,
    ...(transition === undefined ? {} : { transition }),
    prevHash: "0".repeat(64),
    hash: "0".repeat(64),
  } as StoredAuditEntry;
}

const release = (name: string, uid: string) => ({ kind: "Release", namespace: "shop", name, uid });
const promoted = (
  minute: number,
  name: string,
  uid: string,
  env: string,
  extra: Record<string, unknown> = {},
) =>
  entry(
    minute,
    "ReleasePromoted",
    release(name, uid),
    { environment: env, revision: "a".repeat(40), ...extra },
    transitionId("Release", uid, "ReleasePromoted", env, 1),
  );
const outcome = (minute: number, action: AuditAction, name: string, uid: string, env: string) =>
  entry(
    minute,
    action,
    release(name, uid),
    { environment: env, reasons: ["image not found"] },
    transitionId("Release", uid, action, env, 1, "digest"),
  );

// Release one: first on record at 0, dev verified at 2; prod change requested at 3, approved at 13, promoted at
// 14, deployed at 16, verified at 20. Release two: dev failed, then a rollback story is not needed for the rates.
const trail: StoredAuditEntry[] = [
  entry(0, "RevisionResolved", release("one", "u1"), {}),
  promoted(1, "one", "u1", "dev", { dimensions: { team: "payments" } }),
  outcome(2, "EnvironmentVerified", "one", "u1", "dev"),
  entry(3, "ChangeRequested", { kind: "ChangeRequest", namespace: "shop", name: "one-prod", uid: "c1" }, {}),
  entry(
    3,
    "ApprovalOpened",
    { kind: "Approval", namespace: "shop", name: "one-prod-r1" },
    { separationOfDuties: { authorsFrom: "git", firstCommitAt: at(-60) } },
    transitionId("ChangeRequest", "c1", "ApprovalOpened", "r1", ""),
  ),
  entry(13, "ChangeApproved", { kind: "ChangeRequest", namespace: "shop", name: "one-prod" }, {}),
  promoted(14, "one", "u1", "prod", { changeRequest: "one-prod", dimensions: { team: "payments" } }),
  outcome(16, "EnvironmentDeployed", "one", "u1", "prod"),
  outcome(20, "EnvironmentVerified", "one", "u1", "prod"),
  promoted(21, "two", "u2", "dev", { dimensions: { team: "shop" } }),
  outcome(22, "EnvironmentFailed", "two", "u2", "dev"),
];

const scope = (selector = ""): InsightScope => ({
  since: undefined,
  until: undefined,
  selector: parseSelector(selector),
  by: undefined,
});

describe("promotions on record, and the measures computed from them", () => {
  const promotions = collectPromotions(trail);

  it("builds each promotion with its times, dimensions and outcome", () => {
    assert.deepEqual(
      promotions.map((p) => [p.release.name, p.environment, p.readyAt, p.verifiedAt ?? p.failedAt]),
      [
        ["one", "dev", at(0), at(2)],
        ["one", "prod", at(2), at(20)],
        ["two", "dev", at(21), at(22)],
      ],
    );
    const prod = promotions[1];
    assert.deepEqual([prod?.changeRequestedAt, prod?.changeApprovedAt], [at(3), at(13)]);
    assert.deepEqual(promotions[2]?.failureReasons, ["image not found"]);
    assert.deepEqual(promotions[0]?.dimensions, { team: "payments" });
  });

  it("computes DORA measures per environment, and filters by recorded dimension", () => {
    const dora = doraMeasures(scope(), promotions);
    const dev = dora.find((r) => r.environment === "dev");
    assert.deepEqual([dev?.deployments, dev?.ended, dev?.failures, dev?.changeFailureRate], [1, 2, 1, 0.5]);
    const prod = dora.find((r) => r.environment === "prod");
    assert.equal(prod?.leadTime.medianSeconds, 20 * 60);
    assert.equal(prod?.commitLeadTime.medianSeconds, 80 * 60, "from the oldest commit git reported");
    assert.equal(dev?.commitLeadTime.count, 0, "no change, no commit time");
    const shopOnly = doraMeasures(scope("team=shop"), promotions);
    assert.deepEqual(
      shopOnly.map((r) => [r.environment, r.deployments, r.failures]),
      [["dev", 0, 1]],
    );
  });

  it("splits the cycle time into gate, approval, deploying and verifying", () => {
    const [cycle] = cycleTimes(scope(), promotions, "prod");
    assert.equal(cycle?.cycleSeconds, 20 * 60);
    assert.deepEqual(cycle?.stages[1], {
      environment: "prod",
      gate: 12 * 60,
      approval: 10 * 60,
      deploying: 2 * 60,
      verifying: 4 * 60,
    });
  });

  it("names the largest wait first", () => {
    const [first] = bottlenecks(scope(), promotions);
    assert.deepEqual([first?.environment, first?.phase, first?.totalSeconds], ["prod", "gate", 12 * 60]);
  });

  it("keeps to the period", () => {
    const late: InsightScope = { ...scope(), since: new Date(at(21)) };
    assert.deepEqual(
      doraMeasures(late, promotions).map((r) => [r.environment, r.ended]),
      [["dev", 1]],
    );
  });
});

describe("a promotion recorded twice (two replicas' trails merged)", () => {
  it("counts once, at the first entry on record", () => {
    const first = promoted(5, "twice", "uid-twice", "prod");
    const again = promoted(7, "twice", "uid-twice", "prod");
    assert.equal(first.transition, again.transition, "the same fact: the same transition");
    const records = collectPromotions([first, again]);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.promotedAt, at(5));
  });
});
