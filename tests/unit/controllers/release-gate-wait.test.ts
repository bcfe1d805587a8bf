// What an environment's gate waits on, and the GateWaitChanged entries of its changes (ADR 0053): once per change of
// category, none for a pass that changes nothing, the same transition id when a crash makes a pass decide it again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseStatus } from "../../../src/api/v1alpha1/release.js";
import { decideRelease, type ReleaseDecision } from "../../../src/controllers/release/decide.js";
import {
  at,
  environment,
  HOUR,
  releaseInput,
  storedEntry,
  task,
  type EnvFixture,
} from "./release-fixtures.js";

const PROD = environment({
  delivery: { argoCDApplications: { namespaces: ["argocd"] } },
  promotesFrom: ["staging"],
  regulated: true,
  gate: {
    requiredApprovals: 1,
    requiredChecks: ["SecurityScan"],
    windows: [{ name: "daily", schedule: "0 10 * * *", duration: "2h" }],
  },
});

const EARLIER: ReleaseStatus = {
  environments: [
    storedEntry("dev", "Verified"),
    storedEntry("test", "Verified"),
    storedEntry("staging", "Verified"),
  ],
};

/** Decides the release with prod as `prod` says, on `status` (the earlier stages Verified unless given). */
function decide(prod: EnvFixture, now: Date, status: ReleaseStatus = EARLIER): ReleaseDecision {
  return decideRelease(
    releaseInput({
      envs: { dev: {}, test: {}, staging: {}, prod: { spec: PROD, ...prod } },
      status,
    }),
    now,
  );
}

const waits = (d: ReleaseDecision) => d.audit.filter((e) => e.action === "GateWaitChanged");
const prodOf = (d: ReleaseDecision) => d.status.environments?.find((e) => e.name === "prod");

const IN_WINDOW = at(10.5 * HOUR);
const CHECKS_OPEN: EnvFixture = { tasks: [task("prod", "SecurityScan", "Ready")] };
const CHECKS_DONE: EnvFixture = { tasks: [task("prod", "SecurityScan", "Succeeded")] };
const PENDING_CHANGE = { name: "shop-prod-1", resolution: undefined };
const APPROVED_CHANGE = { name: "shop-prod-1", resolution: "Approved" };

describe("the gate wait of a Release environment", () => {
  const first = decide(CHECKS_OPEN, IN_WINDOW);

  it("records what the gate begins to wait on, by category, with the reason codes", () => {
    assert.deepEqual(prodOf(first)?.gateWait, {
      categories: ["checks", "approvals"],
      reasons: ["ChecksPending", "ChangeRequestMissing"],
      since: "2030-01-01T10:30:00Z",
    });
    const [entry, ...rest] = waits(first);
    assert.equal(rest.length, 0);
    assert.deepEqual(entry?.details, {
      environment: "prod",
      promotion: 1,
      state: "Gated",
      categories: ["checks", "approvals"],
      category: "checks",
      reasons: ["ChecksPending", "ChangeRequestMissing"],
    });
    assert.match(entry?.transition ?? "", /^Release\/[^/]+\/GateWaitChanged\/prod\/1\/[0-9a-f]{24}$/);
  });

  it("records nothing, and keeps the status as it is, when a pass changes nothing", () => {
    const again = decide(CHECKS_OPEN, at(11 * HOUR), first.status);
    assert.deepEqual(waits(again), []);
    assert.deepEqual(prodOf(again), prodOf(first));
  });

  it("records nothing when the reasons change within the same categories", () => {
    const opened = decide({ ...CHECKS_OPEN, changeRequest: PENDING_CHANGE }, at(11 * HOUR), first.status);
    assert.deepEqual(waits(opened), []);
    assert.deepEqual(prodOf(opened)?.gateWait?.reasons, ["ChecksPending", "ChangeNotApproved"]);
    assert.equal(prodOf(opened)?.gateWait?.since, "2030-01-01T10:30:00Z");
  });

  const approvals = decide({ ...CHECKS_DONE, changeRequest: PENDING_CHANGE }, at(11 * HOUR), first.status);

  it("records the change to approvals alone, with how long it waited on checks", () => {
    const [entry, ...rest] = waits(approvals);
    assert.equal(rest.length, 0);
    assert.deepEqual(entry?.details.categories, ["approvals"]);
    assert.equal(entry?.details.category, "approvals");
    assert.deepEqual(entry?.details.previous, {
      categories: ["checks", "approvals"],
      category: "checks",
      reasons: ["ChecksPending", "ChangeRequestMissing"],
      since: "2030-01-01T10:30:00Z",
      waitedSeconds: 1800,
    });
  });

  it("names the same transition when a crash before the status write makes a pass decide it again", () => {
    const retried = decide({ ...CHECKS_DONE, changeRequest: PENDING_CHANGE }, at(11.2 * HOUR), first.status);
    assert.equal(waits(retried)[0]?.transition, waits(approvals)[0]?.transition);
  });

  it("records the gate opening, and tells a category seen again from its first time", () => {
    const opened = decide(
      { ...CHECKS_DONE, changeRequest: APPROVED_CHANGE },
      at(11.5 * HOUR),
      approvals.status,
    );
    const [entry] = waits(opened);
    assert.equal(prodOf(opened)?.state, "Deploying");
    assert.equal(prodOf(opened)?.gateWait, undefined);
    assert.deepEqual(
      [entry?.details.state, entry?.details.categories, entry?.details.category, entry?.details.promotion],
      ["Deploying", [], "none", 1],
    );
    // Back to checks (a check reset), then approvals again: a new fact, not the first approvals entry.
    const back = decide({ ...CHECKS_OPEN, changeRequest: PENDING_CHANGE }, at(11.6 * HOUR), approvals.status);
    const again = decide({ ...CHECKS_DONE, changeRequest: PENDING_CHANGE }, at(11.7 * HOUR), back.status);
    assert.deepEqual(waits(again)[0]?.details.categories, ["approvals"]);
    assert.notEqual(waits(again)[0]?.transition, waits(approvals)[0]?.transition);
  });

  it("counts a wait outside the deployment window as window", () => {
    const outside = decide({ ...CHECKS_DONE, changeRequest: APPROVED_CHANGE }, at(13 * HOUR));
    assert.deepEqual(prodOf(outside)?.gateWait?.categories, ["window"]);
    assert.deepEqual(waits(outside)[0]?.details.reasons, ["OutsideWindow"]);
  });

  it("waits on nothing at the gate of an environment not reached yet", () => {
    const early = decide(CHECKS_OPEN, IN_WINDOW, { environments: [storedEntry("dev", "Verified")] });
    assert.equal(prodOf(early)?.state, "Pending");
    assert.equal(prodOf(early)?.gateWait, undefined);
    assert.deepEqual(
      waits(early).map((e) => [e.details.environment, e.details.categories]),
      [["test", ["checks"]]],
    );
  });
  it("counts a stall a person must fix, and a missing delivery target, as refused", () => {
    const missing = decideRelease(
      releaseInput({ envs: { dev: {}, test: {}, staging: {}, prod: { missing: true } }, status: EARLIER }),
      IN_WINDOW,
    );
    assert.deepEqual(prodOf(missing)?.gateWait?.categories, ["refused"]);
    assert.deepEqual(prodOf(missing)?.gateWait?.reasons, ["EnvironmentNotFound"]);
    const absent = decide(
      {
        ...CHECKS_DONE,
        changeRequest: APPROVED_CHANGE,
        delivery: { state: "Missing", message: "not found" },
      },
      IN_WINDOW,
    );
    assert.equal(prodOf(absent)?.state, "Gated");
    assert.deepEqual(prodOf(absent)?.gateWait?.reasons, ["DeliveryTargetMissing"]);
    assert.deepEqual(waits(absent)[0]?.details.category, "refused");
  });
});
