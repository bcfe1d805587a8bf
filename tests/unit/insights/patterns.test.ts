// Pattern detection on built entry lists (shaped as the controllers record them), and the failure analysis counting
// only what the chain vouches for.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyseFailures } from "../../../src/insights/patterns/analysis.js";
import { detectPatterns, indexEntries } from "../../../src/insights/patterns/patterns.js";
import { collectPromotions } from "../../../src/insights/patterns/promotions.js";
import { parseSelector } from "../../../src/insights/selector.js";
import { parseUsualHours } from "../../../src/insights/patterns/usual-hours.js";
import {
  changeApproved,
  changeRequested,
  checkCompleted,
  entry,
  environmentState,
  exported,
  promoted,
  verificationFailed,
} from "./entries.js";

const REV = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const shop = { namespace: "shop", name: "shop-1-4-0" };
const MIN15 = 15 * 60_000;

/** An emergency change approved 3 minutes before prod, checks 20 minutes before, a refused stage skip before. */
function emergencyStory() {
  return [
    entry(
      "2026-12-06T08:50:00Z",
      "GateRefused",
      { kind: "Release", namespace: "shop", name: shop.name },
      {
        environment: "prod",
        reason: "StageSkipped",
        message: "prod needs staging Verified with the same artifact first.",
      },
    ),
    changeRequested(shop, "2026-12-06T09:00:00Z", "shop-prod-1", "prod", "Emergency"),
    checkCompleted(shop, "2026-12-06T09:10:00Z", "prod", REV, "bob"),
    changeApproved(shop, "2026-12-06T09:27:00Z", "shop-prod-1", "carol"),
    promoted(shop, "2026-12-06T09:30:00Z", "prod", REV, { changeRequest: "shop-prod-1" }),
    environmentState(shop, "2026-12-06T09:32:00Z", "EnvironmentDeployed", "prod", REV),
    verificationFailed(shop, "2026-12-06T09:40:00Z", "prod", REV, 0.3),
    environmentState(shop, "2026-12-06T09:41:00Z", "EnvironmentFailed", "prod", REV, [
      "Verification failed.",
    ]),
  ];
}

describe("detectPatterns", () => {
  it("finds the emergency change, its late approval and the refused skip; checks 20 min before are not late", () => {
    const entries = emergencyStory();
    const [promotion] = collectPromotions(entries);
    assert.ok(promotion !== undefined);
    assert.equal(promotion.failed, true);
    assert.deepEqual(
      promotion.failures.map((f) => f.action),
      ["VerificationFailed", "EnvironmentFailed"],
    );
    const hits = detectPatterns(promotion, indexEntries(entries), {
      lateWithinMs: MIN15,
      usualHours: parseUsualHours("08-18", "UTC"),
    });
    assert.deepEqual(
      hits.map((h) => h.pattern),
      ["emergency", "lateApproval", "skippedStage"],
    );
    assert.match(
      hits[0]?.evidence ?? "",
      /shop-prod-1 was an emergency change, approved 3 min before the deploy by carol/,
    );
    assert.equal(hits[1]?.beforeMs, 3 * 60_000);
  });

  it("finds late checks, deployments outside usual hours, and an overdue emergency review", () => {
    const entries = [
      entry(
        "2026-12-05T10:00:00Z",
        "ReviewTaskOpened",
        { kind: "DeploymentTask", namespace: "shop", name: "old-review" },
        {
          message: "Opened the post-implementation review old-review.",
          changeRequest: "old-emergency",
          owners: [{ kind: "Group", name: "ops" }],
          dueAt: "2026-12-06T10:00:00Z",
        },
      ),
      changeRequested(shop, "2026-12-05T09:59:00Z", "old-emergency", "prod", "Emergency"),
      checkCompleted(shop, "2026-12-06T21:55:00Z", "prod", REV, "bob"),
      promoted(shop, "2026-12-06T22:00:00Z", "prod", REV),
    ].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const [promotion] = collectPromotions(entries);
    assert.ok(promotion !== undefined);
    const hits = detectPatterns(promotion, indexEntries(entries), {
      lateWithinMs: MIN15,
      usualHours: parseUsualHours("08-18", "Europe/Berlin"),
    });
    assert.deepEqual(
      hits.map((h) => h.pattern),
      ["emergency", "lateChecks", "outsideHours", "overdueTask"],
    );
    assert.match(
      hits[0]?.evidence ?? "",
      /emergency change old-emergency was requested for this release in prod/,
    );
    assert.match(hits[1]?.evidence ?? "", /completed 5 min before the deploy/);
    assert.match(hits[2]?.evidence ?? "", /deployed at 23:xx Europe\/Berlin/);
    assert.match(
      hits[3]?.evidence ?? "",
      /review old-review of old-emergency was due at 2026-12-06T10:00:00Z/,
    );
  });

  it("finds an earlier emergency of the release in the environment on its next promotion", () => {
    const entries = [
      changeRequested(shop, "2026-12-06T07:00:00Z", "shop-prod-rollback-emergency", "prod", "Emergency"),
      entry(
        "2026-12-06T07:00:01Z",
        "BreakGlassRollback",
        { kind: "DeploymentTask", namespace: "shop", name: "shop-prod-rollback" },
        {
          changeRequest: "shop-prod-rollback-emergency",
          release: shop.name,
          environment: "prod",
          freezes: ["year-end"],
          revision: REV,
        },
      ),
      changeRequested(shop, "2026-12-06T09:00:00Z", "shop-prod-2", "prod"),
      changeApproved(shop, "2026-12-06T10:00:00Z", "shop-prod-2", "carol"),
      promoted(shop, "2026-12-06T11:00:00Z", "prod", REV, { changeRequest: "shop-prod-2" }),
    ];
    const [promotion] = collectPromotions(entries);
    assert.ok(promotion !== undefined);
    const hits = detectPatterns(promotion, indexEntries(entries), {
      lateWithinMs: MIN15,
      usualHours: undefined,
    });
    assert.deepEqual(
      hits.map((h) => [h.pattern, h.evidence]),
      [
        [
          "emergency",
          "emergency change shop-prod-rollback-emergency (opened by rollback shop-prod-rollback as break-glass) was " +
            "requested for this release in prod before it was promoted again",
        ],
        ["skippedStage", "a rollback passed the freeze year-end as break-glass at 2026-12-06T07:00:01Z"],
      ],
    );
  });

  it("finds nothing in a promotion with none of the patterns", () => {
    const entries = [
      changeRequested(shop, "2026-12-06T09:00:00Z", "shop-prod-2", "prod"),
      checkCompleted(shop, "2026-12-06T09:05:00Z", "prod", REV, "bob"),
      changeApproved(shop, "2026-12-06T10:00:00Z", "shop-prod-2", "carol"),
      promoted(shop, "2026-12-06T11:00:00Z", "prod", REV, { changeRequest: "shop-prod-2" }),
    ];
    const [promotion] = collectPromotions(entries);
    assert.ok(promotion !== undefined);
    const options = { lateWithinMs: MIN15, usualHours: parseUsualHours("08-18", "UTC") };
    assert.deepEqual(detectPatterns(promotion, indexEntries(entries), options), []);
  });
});

/** `n` promotions of distinct releases at 10:00 on successive days; `failing` of them fail; `late` ones are approved 2 min before. */
function promotions(prefix: string, n: number, failing: number, late: boolean, team: string) {
  return Array.from({ length: n }, (_, i) => {
    const r = { namespace: "shop", name: `${prefix}-${i}` };
    const day = String(1 + i).padStart(2, "0");
    const change = `${r.name}-prod`;
    return [
      changeRequested(r, `2026-11-${day}T09:00:00Z`, change, "prod"),
      changeApproved(r, `2026-11-${day}T${late ? "09:58" : "09:10"}:00Z`, change, "carol"),
      promoted(r, `2026-11-${day}T10:00:00Z`, "prod", REV, {
        changeRequest: change,
        dimensions: { team, tags: ["pci"] },
      }),
      ...(i < failing
        ? [environmentState(r, `2026-11-${day}T10:20:00Z`, "EnvironmentFailed", "prod", REV, ["Unhealthy."])]
        : []),
    ];
  }).flat();
}

describe("analyseFailures", () => {
  const query = {
    since: new Date("2026-11-01T00:00:00Z"),
    until: new Date("2026-12-01T00:00:00Z"),
    selector: parseSelector(""),
    lateWithinMs: MIN15,
    usualHours: undefined,
    timeZone: "UTC",
  };
  const entries = [
    ...promotions("late", 12, 9, true, "payments"),
    ...promotions("calm", 20, 1, false, "search"),
  ];

  it("sets a pattern's failure rate against the baseline, with intervals, and a verdict only from enough data", () => {
    const analysis = analyseFailures(exported(entries), query);
    assert.equal(analysis.promotions, 32);
    assert.equal(analysis.failures.failures, 10);
    const late = analysis.patterns.find((p) => p.pattern === "lateApproval");
    assert.equal(late?.with.promotions, 12);
    assert.equal(late?.with.failures, 9);
    assert.equal(late?.without.promotions, 20);
    assert.equal(late?.without.failures, 1);
    assert.equal(late?.verdict, "higher");
    const emergency = analysis.patterns.find((p) => p.pattern === "emergency");
    assert.equal(emergency?.with.promotions, 0);
    assert.equal(emergency?.verdict, "not enough data");
    assert.match(analysis.usualHours, /busiest hours \(10 in UTC\)/);
    assert.deepEqual(analysis.unrecorded, [], "every pattern asked about is told from the trail");
    const large = analysis.patterns.find((p) => p.pattern === "largeChangeSet");
    assert.deepEqual(
      [large?.with.promotions, large?.without.promotions, large?.notJudged, large?.verdict],
      [0, 0, 32, "not enough data"],
      "no change set size is recorded: no promotion is judged, none counted as small",
    );
    assert.match(
      analysis.largeChangeSet,
      /not judged: no promotion in the window has a recorded change set size/,
    );
  });

  it("filters by the recorded dimensions; older entries without them match no required label", () => {
    const old = promotions("old", 3, 3, true, "payments").map((e) =>
      e.action === "ReleasePromoted" ? { ...e, details: { ...e.details, dimensions: null } } : e,
    );
    const all = exported([...entries, ...old]);
    assert.equal(analyseFailures(all, { ...query, selector: parseSelector("team=payments") }).promotions, 12);
    assert.equal(
      analyseFailures(all, { ...query, selector: parseSelector("team!=payments") }).promotions,
      23,
    );
    assert.equal(analyseFailures(all, { ...query, selector: parseSelector("tag=pci") }).promotions, 32);
  });

  it("counts no failure or promotion the chain does not vouch for (a forged line changes no rate)", () => {
    const honest = analyseFailures(exported(entries), query);
    const forged = [
      // Someone appends failures for the calm releases, and a promotion that never happened.
      ...Array.from({ length: 19 }, (_, i) =>
        environmentState(
          { namespace: "shop", name: `calm-${i + 1}` },
          "2026-11-28T12:00:00Z",
          "EnvironmentFailed",
          "prod",
          REV,
          ["forged"],
        ),
      ),
      promoted({ namespace: "shop", name: "ghost" }, "2026-11-28T12:00:00Z", "prod", REV),
    ];
    const attacked = analyseFailures(exported(entries, forged), query);
    assert.equal(attacked.unvouchedEntries, 20);
    assert.deepEqual(attacked.patterns, honest.patterns);
    assert.equal(attacked.promotions, honest.promotions);
    assert.equal(attacked.failures.failures, honest.failures.failures);
  });
});

/** ApprovalOpened as change-request-round.ts records it, with git's change set in the separation-of-duties evidence. */
function approvalOpened(
  r: { namespace: string; name: string },
  time: string,
  change: string,
  commits: number,
) {
  return entry(
    time,
    "ApprovalOpened",
    { kind: "Approval", namespace: r.namespace, name: `${change}-1` },
    {
      message: `Opened Approval ${change}-1 for round 1.`,
      changeRequest: change,
      round: 1,
      required: 1,
      eligible: { users: [], groups: ["approvers"] },
      requiredGroups: [],
      excluded: [],
      separationOfDuties: {
        declarers: [],
        authorsFrom: "git https://git.example/shop.git 1111..2222",
        mapped: {},
        unmapped: [],
        firstCommitAt: "2026-10-01T00:00:00Z",
        changeSet: { commits, range: "1111..2222" },
      },
    },
  );
}

describe("large change sets", () => {
  const query = {
    since: new Date("2026-11-01T00:00:00Z"),
    until: new Date("2026-12-01T00:00:00Z"),
    selector: parseSelector(""),
    lateWithinMs: MIN15,
    usualHours: undefined,
    timeZone: "UTC",
  };
  /** `n` promotions whose changes brought `commits` commits each (null: not recorded); `failing` of them fail. */
  function sized(prefix: string, n: number, failing: number, commits: number | null) {
    return promotions(prefix, n, failing, false, "payments").flatMap((e) =>
      e.action === "ChangeRequested" && commits !== null
        ? [e, approvalOpened({ namespace: "shop", name: "" }, e.time, e.object.name, commits)]
        : [e],
    );
  }

  it("sets the promotions whose recorded change set is large against those whose recorded one is not; unrecorded ones in neither", () => {
    const entries = [
      ...sized("big", 12, 9, 60),
      ...sized("small", 20, 1, 4),
      ...sized("unknown", 6, 6, null),
    ];
    const analysis = analyseFailures(exported(entries), { ...query, largeChangeCommits: 20 });
    const large = analysis.patterns.find((p) => p.pattern === "largeChangeSet");
    assert.deepEqual(
      [large?.with.promotions, large?.with.failures, large?.without.promotions, large?.without.failures],
      [12, 9, 20, 1],
    );
    assert.equal(large?.notJudged, 6, "the six without a recorded size are neither large nor small");
    assert.equal(large?.verdict, "higher");
    assert.equal(analysis.largeChangeSet, "at least 20 commits (given with --large-change)");
    const failed = analysis.failed.find((f) => f.release === "shop/big-0");
    assert.match(
      failed?.patterns.find((p) => p.pattern === "largeChangeSet")?.evidence ?? "",
      /change big-0-prod brought 60 commits \(1111\.\.2222\), at least 20/,
    );
    const lateApproval = analysis.patterns.find((p) => p.pattern === "lateApproval");
    assert.equal(lateApproval?.notJudged, 0, "other patterns judge every promotion");
  });

  it("without --large-change, calls large what is above the window's 80th percentile", () => {
    const entries = [
      ...sized("a", 8, 0, 2),
      ...sized("b", 8, 0, 5),
      ...sized("c", 2, 0, 9),
      ...sized("d", 2, 2, 40),
    ];
    const analysis = analyseFailures(exported(entries), query);
    const large = analysis.patterns.find((p) => p.pattern === "largeChangeSet");
    assert.equal(
      analysis.largeChangeSet,
      "at least 6 commits (more than 5, the 80th percentile of the window's 20 recorded change sets)",
    );
    assert.deepEqual([large?.with.promotions, large?.without.promotions, large?.notJudged], [4, 16, 0]);
    assert.equal(large?.verdict, "not enough data", "four large ones are too few for a claim");
  });

  it("takes the last recorded round's change set, and a malformed one as not recorded", () => {
    const r = { namespace: "shop", name: "shop-9" };
    const malformed = approvalOpened(r, "2026-11-02T09:01:00Z", "shop-9-prod", 3);
    const bad = {
      ...malformed,
      details: { ...malformed.details, separationOfDuties: { changeSet: { commits: "many" } } },
    };
    const entries = [
      changeRequested(r, "2026-11-02T09:00:00Z", "shop-9-prod", "prod"),
      approvalOpened(r, "2026-11-02T09:00:30Z", "shop-9-prod", 80),
      bad,
      changeApproved(r, "2026-11-02T09:30:00Z", "shop-9-prod", "carol"),
      promoted(r, "2026-11-02T10:00:00Z", "prod", REV, { changeRequest: "shop-9-prod" }),
    ];
    const [promotion] = collectPromotions(entries);
    assert.ok(promotion !== undefined);
    const hits = detectPatterns(promotion, indexEntries(entries), {
      lateWithinMs: MIN15,
      usualHours: undefined,
      largeChangeSet: { minCommits: 50, source: "test" },
    });
    assert.deepEqual(
      hits.map((h) => h.pattern),
      ["largeChangeSet"],
    );
  });
});
