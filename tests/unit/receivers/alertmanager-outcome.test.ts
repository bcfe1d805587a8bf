import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  firingOutcome,
  notificationStatus,
  resolvedOutcome,
  summarize,
  type AlertOutcome,
  type CreateResult,
  type ResolveResult,
} from "../../../src/receivers/alertmanager-outcome.js";

describe("alert outcomes", () => {
  const firing: [string, boolean, CreateResult | undefined, AlertOutcome][] = [
    ["the deployed release's task is created", true, "created", "opened"],
    ["the task already exists (retry, repeat, another replica)", true, "exists", "duplicate"],
    ["another object holds the task's name", true, "foreign", "conflict"],
    ["the create failed", true, "failed", "failed"],
    ["the release is not deployed there: nothing is written", false, undefined, "not-deployed"],
    ["not deployed wins over any write result", false, "created", "not-deployed"],
  ];
  for (const [situation, deployed, result, expected] of firing) {
    it(`firing: ${situation} -> ${expected}`, () => assert.equal(firingOutcome(deployed, result), expected));
  }

  const resolved: [string, ResolveResult, AlertOutcome][] = [
    ["resolvedAt was set", "set", "resolved"],
    ["the task already had a resolution", "already", "already-resolved"],
    ["no task was ever opened: a resolution opens none", "missing", "no-task"],
    ["the write failed", "failed", "failed"],
  ];
  for (const [situation, result, expected] of resolved) {
    it(`resolved: ${situation} -> ${expected}`, () => assert.equal(resolvedOutcome(result), expected));
  }

  const statuses: [string, AlertOutcome[], 200 | 403 | 503][] = [
    ["an empty notification", [], 200],
    ["everything handled or ignored", ["opened", "duplicate", "not-deployed", "unmatched", "no-task"], 200],
    ["one failure among successes", ["opened", "failed", "resolved"], 503],
    ["a name held by another object", ["opened", "conflict"], 503],
    ["a release outside the token's scope", ["opened", "out-of-scope"], 403],
    ["a failure and a release out of scope (retry first)", ["out-of-scope", "failed"], 503],
  ];
  for (const [situation, outcomes, status] of statuses) {
    it(`answers ${status} for ${situation}`, () => assert.equal(notificationStatus(outcomes), status));
  }

  it("summarizes every outcome, zero when absent", () => {
    const counts = summarize(["opened", "duplicate", "duplicate", "unmatched"]);
    assert.deepEqual(counts, {
      opened: 1,
      duplicate: 2,
      "not-deployed": 0,
      resolved: 0,
      "already-resolved": 0,
      "no-task": 0,
      unmatched: 1,
      ambiguous: 0,
      failed: 0,
      conflict: 0,
      "out-of-scope": 0,
    });
  });
});
