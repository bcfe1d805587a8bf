// The bottleneck report splits a gate wait by what the gate waited on, from the recorded GateWaitChanged entries
// only (ADR 0053): each change's categories hold until the next change or the promotion; what no entry explains is
// unexplained, and a promotion recorded before such entries existed is unexplained whole.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredAuditEntry } from "../../../src/audit/entry.js";
import { transitionId, type AuditAction } from "../../../src/audit/recorder.js";
import { bottlenecks } from "../../../src/insights/measures/bottlenecks.js";
import { gateSplit } from "../../../src/insights/measures/gate-split.js";
import type { InsightScope } from "../../../src/insights/measures/period.js";
import { collectPromotions } from "../../../src/insights/measures/promotions.js";
import { parseSelector } from "../../../src/insights/selector.js";
import { toCsv } from "../../../src/insights/render.js";
import { BOTTLENECK_COLUMNS } from "../../../src/cli/verbs/insights.js";

let seq = 0;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();
const release = (name: string, uid: string) => ({ kind: "Release", namespace: "shop", name, uid });

function entry(
  minute: number,
  action: AuditAction,
  uid: string,
  details: Record<string, unknown>,
  transition: string,
): StoredAuditEntry {
  seq += 1;
  return {
    seq,
    time: at(minute),
    actor: "stagegate-operator",
    action,
    object: release(uid === "u1" ? "one" : "two", uid),
    details,
    transition,
    prevHash: "0".repeat(64),
    hash: "0".repeat(64),
  } as StoredAuditEntry;
}

const promoted = (minute: number, uid: string, env: string) =>
  entry(
    minute,
    "ReleasePromoted",
    uid,
    { environment: env },
    transitionId("Release", uid, "ReleasePromoted", env, 1),
  );
const verified = (minute: number, uid: string, env: string) =>
  entry(
    minute,
    "EnvironmentVerified",
    uid,
    { environment: env },
    transitionId("Release", uid, "EnvironmentVerified", env, 1, "d"),
  );
const wait = (minute: number, uid: string, env: string, categories: string[], promotion = 1) =>
  entry(
    minute,
    "GateWaitChanged",
    uid,
    { environment: env, promotion, categories },
    transitionId("Release", uid, "GateWaitChanged", env, promotion, `d${minute}`),
  );

// Release one: dev verified at 2; prod waits on checks (and approvals) from 2, on approvals alone from 10, on a
// window from 25 (a forged category is not one), opens at 40, is promoted at 41 and verified at 45. Release two was
// recorded before the entries existed: its prod gate wait (2 to 12) is unexplained whole.
const trail: StoredAuditEntry[] = [
  promoted(0, "u1", "dev"),
  verified(2, "u1", "dev"),
  wait(2, "u1", "prod", ["checks", "approvals"]),
  wait(10, "u1", "prod", ["approvals"]),
  // The same fact from a second replica's file: counted once.
  wait(10, "u1", "prod", ["approvals"]),
  wait(25, "u1", "prod", ["window", "not-a-category"]),
  // A wait for the next promotion is not this one's.
  wait(30, "u1", "prod", ["lock"], 2),
  wait(40, "u1", "prod", []),
  promoted(41, "u1", "prod"),
  verified(45, "u1", "prod"),
  promoted(0, "u2", "dev"),
  verified(2, "u2", "dev"),
  promoted(12, "u2", "prod"),
  verified(14, "u2", "prod"),
];

const scope: InsightScope = {
  since: undefined,
  until: undefined,
  selector: parseSelector(""),
  by: undefined,
};

describe("the gate wait split by category", () => {
  const promotions = collectPromotions(trail);
  const one = promotions.find((p) => p.release.uid === "u1" && p.environment === "prod");
  const two = promotions.find((p) => p.release.uid === "u2" && p.environment === "prod");

  it("counts each recorded span under its first category, and the rest as unexplained", () => {
    assert.ok(one !== undefined);
    assert.deepEqual(gateSplit(one), {
      checks: 8 * 60,
      approvals: 15 * 60,
      window: 15 * 60,
      unexplained: 60,
    });
  });

  it("never guesses a wait no entry explains", () => {
    assert.ok(two !== undefined);
    assert.deepEqual(gateSplit(two), { unexplained: 10 * 60 });
  });

  it("splits the bottleneck report's gate row, the parts adding up to its total, and names the longest", () => {
    const gate = bottlenecks(scope, promotions).find((r) => r.environment === "prod" && r.phase === "gate");
    assert.equal(gate?.totalSeconds, 49 * 60);
    assert.equal(gate?.count, 2);
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(gate?.gateSplit ?? {}).map(([k, v]) => [k, [v.count, v.totalSeconds]]),
      ),
      {
        checks: [1, 8 * 60],
        approvals: [1, 15 * 60],
        window: [1, 15 * 60],
        unexplained: [2, 11 * 60],
      },
    );
    const parts = Object.values(gate?.gateSplit ?? {}).reduce((sum, s) => sum + s.totalSeconds, 0);
    assert.equal(parts, gate?.totalSeconds);
    assert.equal(gate?.longestWait, "approvals");
    const deploying = bottlenecks(scope, promotions).find((r) => r.phase === "deploying");
    assert.equal(deploying?.gateSplit, undefined, "only the gate row is split");
  });

  it("gives CSV a total column per category", () => {
    const rows = bottlenecks(scope, promotions).filter((r) => r.environment === "prod" && r.phase === "gate");
    const [header, line] = toCsv(rows, BOTTLENECK_COLUMNS).trim().split("\n");
    const cells = Object.fromEntries(
      (header ?? "").split(",").map((h, i) => [h, (line ?? "").split(",")[i]]),
    );
    assert.equal(cells.PHASE, "gate");
    assert.equal(cells.LONGEST_WAIT, "approvals");
    assert.equal(cells.GATE_CHECKS_SECONDS, "480");
    assert.equal(cells.GATE_APPROVALS_SECONDS, "900");
    assert.equal(cells.GATE_UNEXPLAINED_SECONDS, "660");
    assert.equal(cells.GATE_LOCK_SECONDS, "");
    assert.equal(cells.GATE_WAIT_BY_CATEGORY, undefined, "the table's summary column is not in CSV");
  });
});
