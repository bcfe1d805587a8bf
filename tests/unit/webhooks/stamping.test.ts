import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decisionStamps, decisionTime, jsonPointer, requesterStamp } from "../../../src/webhooks/stamping.js";
import { applyPatch, users } from "./admission-fixtures.js";

describe("jsonPointer", () => {
  const rows: [key: string, path: string][] = [
    ["alice", "/spec/decisions/alice"],
    ["grace@example.com", "/spec/decisions/grace@example.com"],
    ["team/alice", "/spec/decisions/team~1alice"],
    ["a~b", "/spec/decisions/a~0b"],
    ["~1", "/spec/decisions/~01"],
    ["~/", "/spec/decisions/~0~1"],
  ];
  for (const [key, path] of rows) {
    it(`escapes ${JSON.stringify(key)} as ${path}`, () =>
      assert.equal(jsonPointer("spec", "decisions", key), path));
  }
});

describe("decisionTime", () => {
  it("writes RFC 3339 UTC in whole seconds, truncating milliseconds", () => {
    assert.equal(decisionTime(new Date("2030-01-01T12:00:59.999Z")), "2030-01-01T12:00:59Z");
  });
});

describe("requesterStamp", () => {
  it("replaces a forged requestedBy with the authenticated identity", () => {
    const object = { spec: { requestedBy: { username: "mallory", groups: ["cab"] } } };
    assert.deepEqual(applyPatch(object, requesterStamp(users.bob)), {
      spec: { requestedBy: { username: "bob", groups: ["developers", "system:authenticated"] } },
    });
  });
});

describe("decisionStamps", () => {
  it("stamps only the added entries, under escaped keys, and leaves non-object entries to schema validation", () => {
    const decisions = {
      alice: { decision: "Approve", decidedAt: "2030-01-01T00:00:00Z" },
      "ops/alice~1": { decision: "Approve", decidedAt: "2020-01-01T00:00:00Z", groups: ["cab"] },
      broken: "Approve",
    };
    const object = { spec: { decisions } };
    const ops = decisionStamps(
      ["ops/alice~1", "broken"],
      decisions,
      users.alice,
      new Date("2030-06-01T08:00:00.400Z"),
    );
    assert.deepEqual(applyPatch(object, ops), {
      spec: {
        decisions: {
          alice: { decision: "Approve", decidedAt: "2030-01-01T00:00:00Z" },
          "ops/alice~1": {
            decision: "Approve",
            decidedAt: "2030-06-01T08:00:00Z",
            groups: ["approvers", "system:authenticated"],
          },
          broken: "Approve",
        },
      },
    });
  });
});
