// The retrospective's model and Markdown from a built entry list: where each environment waited, what failed with
// the health measured, questions drawn from the patterns, and the unvouched shown marked but used for nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chainProof } from "../../../src/audit/reports/chain-proof.js";
import { parseUsualHours } from "../../../src/insights/patterns/usual-hours.js";
import { mdText, retroMarkdown } from "../../../src/insights/retro/markdown.js";
import { buildRetro } from "../../../src/insights/retro/model.js";
import {
  changeApproved,
  changeRequested,
  checkCompleted,
  entry,
  environmentState,
  exported,
  gateWaitChanged,
  promoted,
  verificationFailed,
  verificationMeasured,
} from "./entries.js";

const REV = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const HOSTILE = "<script>alert('pwned')</script> | **bold**";
const shop = { namespace: "shop", name: "shop-1-4-0" };

function story() {
  return [
    promoted(shop, "2026-12-06T08:00:00Z", "staging", REV),
    environmentState(shop, "2026-12-06T08:03:00Z", "EnvironmentDeployed", "staging", REV),
    environmentState(shop, "2026-12-06T08:10:00Z", "EnvironmentVerified", "staging", REV),
    changeRequested(shop, "2026-12-06T09:00:00Z", "shop-prod-1", "prod", "Emergency"),
    checkCompleted(shop, "2026-12-06T09:10:00Z", "prod", REV, "bob"),
    entry(
      "2026-12-06T09:26:00Z",
      "DecisionRecorded",
      { kind: "Approval", namespace: "shop", name: "shop-prod-1" },
      { decision: "Approve", comment: HOSTILE, changeRequest: "shop-prod-1" },
      "carol",
    ),
    changeApproved(shop, "2026-12-06T09:27:00Z", "shop-prod-1", "carol"),
    promoted(shop, "2026-12-06T09:30:00Z", "prod", REV, { changeRequest: "shop-prod-1" }),
    environmentState(shop, "2026-12-06T09:32:00Z", "EnvironmentDeployed", "prod", REV),
    verificationMeasured(shop, "2026-12-06T09:33:00Z", "prod", REV, { "error-rate": 0.01 }),
    verificationFailed(shop, "2026-12-06T09:40:00Z", "prod", REV, 0.3),
    environmentState(shop, "2026-12-06T09:41:00Z", "EnvironmentFailed", "prod", REV, [
      "Post-deployment verification failed.",
    ]),
  ];
}

const options = { lateWithinMs: 15 * 60_000, usualHours: parseUsualHours("08-18", "UTC"), timeZone: "UTC" };
const intact = chainProof(
  [
    {
      name: "audit-0.jsonl",
      unit: "line",
      verification: { ok: true, entries: 12 } as never,
      checkpoints: undefined,
    },
  ],
  0,
);

describe("buildRetro", () => {
  const model = buildRetro(exported(story()), shop, intact, new Date("2026-12-07T00:00:00Z"), options);

  it("measures where each environment waited, part by part", () => {
    const prod = model.waits.find((w) => w.environment === "prod");
    assert.ok(prod !== undefined);
    assert.equal(prod.requestedFrom, "ChangeRequested shop-prod-1");
    assert.equal(prod.toGate, "30 min");
    assert.deepEqual(
      prod.parts.map((p) => [p.part, p.span]),
      [
        ["checks", "10 min"],
        ["approvals", "27 min"],
        ["deploying", "2 min"],
        ["verifying", "8 min"],
      ],
    );
    assert.equal(prod.unexplained, "3 min");
    const staging = model.waits.find((w) => w.environment === "staging");
    assert.deepEqual(
      staging?.parts.map((p) => [p.part, p.span]),
      [
        ["deploying", "3 min"],
        ["verifying", "7 min"],
      ],
    );
  });

  it("says what failed and why, with the health measured during verification", () => {
    assert.deepEqual(
      model.failures.map((f) => f.what),
      ["verification failed on check error-rate at 2026-12-06T09:40:00Z", "prod failed at revision " + REV],
    );
    assert.match(model.failures[0]?.why ?? "", /\(measured 0\.3\)/);
    assert.deepEqual(
      model.measurements.map((m) => [m.kind, m.text]),
      [
        ["baseline", "baselines at 2026-12-06T09:33:00Z: error-rate = 0.01"],
        [
          "failed",
          "error-rate at 2026-12-06T09:40:00Z: measured 0.3; error-rate measured 0.3, above the threshold 0.05.",
        ],
      ],
    );
  });

  it("asks the team about the patterns the release showed", () => {
    assert.ok(
      model.questions.includes(
        "The change to prod was an emergency change (change shop-prod-1 was an emergency change, approved 3 min " +
          "before the deploy by carol) — was the review enough?",
      ),
      model.questions.join("\n"),
    );
    assert.ok(
      model.questions.some((q) =>
        /^prod failed \(check error-rate: .*\) — what would have caught this before prod\?$/.test(q),
      ),
    );
    assert.ok(model.questions.some((q) => q.startsWith("The longest wait was prod approvals: 27 min")));
    // The late approval is asked about once, with the emergency.
    assert.ok(!model.questions.some((q) => q.includes("did the approvers have the time")));
  });

  it("shows an unvouched entry marked in the timeline and uses it for nothing", () => {
    const forged = [
      environmentState(shop, "2026-12-06T08:05:00Z", "EnvironmentFailed", "staging", REV, ["forged failure"]),
    ];
    const attacked = buildRetro(
      exported(story(), forged),
      shop,
      intact,
      new Date("2026-12-07T00:00:00Z"),
      options,
    );
    assert.equal(attacked.chain.unvouchedEntries, 1);
    assert.deepEqual(attacked.failures, model.failures);
    assert.deepEqual(attacked.questions, model.questions);
    assert.deepEqual(attacked.waits, model.waits);
    const marked = attacked.timeline.filter((s) => !s.vouched);
    assert.equal(marked.length, 1);
    assert.match(retroMarkdown(attacked), /NOT VOUCHED FOR BY THE CHAIN: environment: staging/);
  });

  it("is not found for a release the trails do not mention", () => {
    const other = buildRetro(
      exported(story()),
      { namespace: "shop", name: "nope" },
      intact,
      new Date(),
      options,
    );
    assert.equal(other.found, false);
  });
});

describe("buildRetro with the gate's recorded waits", () => {
  // The prod gate waited on checks and approvals from 09:00, on a freeze from 09:27, opened at 09:29; the release
  // was promoted at 09:30. A wait recorded for the next promotion, a second replica's copy and a forged entry (not
  // vouched for by the chain) claiming a long window are not this promotion's.
  const gated = [
    ...story(),
    gateWaitChanged(
      shop,
      "2026-12-06T09:00:00Z",
      "prod",
      1,
      ["checks", "approvals"],
      ["ChecksPending", "ChangeNotApproved"],
    ),
    gateWaitChanged(shop, "2026-12-06T09:27:00Z", "prod", 1, ["freeze"], ["Frozen"]),
    gateWaitChanged(shop, "2026-12-06T09:27:00Z", "prod", 1, ["freeze"], ["Frozen"]),
    gateWaitChanged(shop, "2026-12-06T09:29:00Z", "prod", 1, [], []),
    gateWaitChanged(shop, "2026-12-06T09:45:00Z", "prod", 2, ["refused"], ["TargetNotOwned"]),
  ];
  const forged = [gateWaitChanged(shop, "2026-12-06T09:01:00Z", "prod", 1, ["window"], ["OutsideWindow"])];
  const model = buildRetro(exported(gated, forged), shop, intact, new Date("2026-12-07T00:00:00Z"), options);
  const prod = model.waits.find((w) => w.environment === "prod");

  it("adds what the gate waited on as parts, each span under its first category", () => {
    assert.ok(prod !== undefined);
    assert.deepEqual(
      prod.parts.map((p) => [p.part, p.span]),
      [
        ["checks", "10 min"],
        ["approvals", "27 min"],
        ["gate checks", "27 min"],
        ["gate freeze", "2 min"],
        ["deploying", "2 min"],
        ["verifying", "8 min"],
      ],
    );
    assert.match(prod.parts[3]?.between ?? "", /the gate waited on freeze \(Frozen\)/);
    // 30 min to the gate; the gate's own record explains all but the minute from its opening to the promotion.
    assert.equal(prod.unexplained, "1 min");
    assert.equal(prod.unexplainedMs, 60_000);
  });

  it("says where the record is missing instead of guessing", () => {
    const staging = model.waits.find((w) => w.environment === "staging");
    assert.equal(staging?.gate, undefined);
    assert.ok(prod?.gate !== undefined);
    assert.ok(model.notRecorded.some((n) => n.includes("no GateWaitChanged entry")));
    const all = buildRetro(exported(story()), shop, intact, new Date("2026-12-07T00:00:00Z"), options);
    assert.equal(all.waits.find((w) => w.environment === "prod")?.unexplained, "3 min");
  });

  it("asks about the freeze the release waited on, and renders the gate parts", () => {
    assert.ok(
      model.questions.includes(
        "prod waited 2 min on a freeze (Frozen) — was the release planned against the calendar (`stagegate calendar`)?",
      ),
      model.questions.join("\n"),
    );
    assert.ok(!model.questions.some((q) => q.includes("refused")));
    assert.match(
      retroMarkdown(model),
      /\| gate freeze \| 2026-12-06T09:27:00Z \| 2026-12-06T09:29:00Z \| 2 min \|/,
    );
  });
});

describe("retroMarkdown", () => {
  it("writes user text literally: no markup, no HTML reaches a viewer", () => {
    const model = buildRetro(exported(story()), shop, intact, new Date("2026-12-07T00:00:00Z"), options);
    const markdown = retroMarkdown(model);
    assert.ok(!markdown.includes("<script>"));
    assert.match(
      markdown,
      /comment: &lt;script&gt;alert\('pwned'\)&lt;\/script&gt; \\\| \\\*\\\*bold\\\*\\\*/,
    );
    assert.match(markdown, /^## Questions for the team$/m);
    assert.equal(mdText("a\nb|c"), "a b\\|c");
  });
});
