import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Requester } from "../../../src/api/v1alpha1/change-request.js";
import { decideReviewTask, reviewOwners } from "../../../src/controllers/change-control/review-task.js";
import { crSpec, ts } from "./change-request-fixtures.js";

describe("reviewOwners", () => {
  const rows: { situation: string; requester: Requester | undefined; owners: [string, string][] }[] = [
    {
      situation: "the requester's groups, system:* dropped, duplicates once",
      requester: { username: "erin", groups: ["developers", "system:authenticated", "oncall", "developers"] },
      owners: [
        ["Group", "developers"],
        ["Group", "oncall"],
      ],
    },
    {
      situation: "only system groups: the requester",
      requester: { username: "mallory", groups: ["system:authenticated"] },
      owners: [["User", "mallory"]],
    },
    {
      situation: "no groups: the requester",
      requester: { username: "dave", groups: [] },
      owners: [["User", "dave"]],
    },
    { situation: "no requester: nobody", requester: undefined, owners: [] },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      assert.deepEqual(
        reviewOwners(row.requester).map((o) => [o.kind, o.name]),
        row.owners,
      );
    });
  }
});

describe("decideReviewTask", () => {
  const spec = crSpec({ type: "Emergency" });
  const rows: { situation: string; usedAt?: string; reviewDueAfter: string; dueAt: string }[] = [
    { situation: "unused: due after approval", reviewDueAfter: "120h", dueAt: ts(121) },
    { situation: "used: due after use", usedAt: ts(5), reviewDueAfter: "120h", dueAt: ts(125) },
    { situation: "a short reviewDueAfter", usedAt: ts(5), reviewDueAfter: "30m", dueAt: ts(5.5) },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      const plan = decideReviewTask({
        changeRequest: "fix-payments",
        spec,
        resolvedAt: ts(1),
        usedAt: row.usedAt,
        reviewDueAfter: row.reviewDueAfter,
      });
      assert.equal(plan.spec.dueAt, row.dueAt);
    });
  }

  it("is a PostImplementationReview named <cr>-review for the change's release and environment", () => {
    const plan = decideReviewTask({
      changeRequest: "fix-payments",
      spec,
      resolvedAt: ts(1),
      reviewDueAfter: "1h",
    });
    assert.equal(plan.name, "fix-payments-review");
    assert.equal(plan.spec.type, "PostImplementationReview");
    assert.deepEqual(plan.spec.releaseRef, { name: "api-1" });
    assert.equal(plan.spec.environment, "prod");
    assert.match(plan.spec.description, /Payments are down\./);
    assert.ok(plan.spec.checklist.filter((item) => item.required).length >= 1, "at least one required item");
  });
});
