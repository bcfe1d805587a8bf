import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseEnvironmentStatus } from "../../../src/api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { decideRelease } from "../../../src/controllers/release/decide.js";
import type { EnvironmentInput } from "../../../src/controllers/release/environment-step.js";
import { describeUnapproved, detectUnapproved } from "../../../src/controllers/release/out-of-band.js";
import type { TargetClaim } from "../../../src/controllers/release/target-claims.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import { FULL_REV, REV, SELF, T0, at, releaseInput, storedEntry } from "./release-fixtures.js";

const HAND = "0badc0ffee0badc0ffee0badc0ffee0badc0ffe";
const TARGET: ReleaseTarget = {
  environment: "prod",
  argoCD: { name: "shop-prod", namespace: "argocd", revision: REV, mode: "Sync" },
};
const running = (revision: string): EnvironmentInput["delivery"] => ({
  state: "Deploying",
  revision,
  message: "OutOfSync",
});
const claim = (extra: Partial<TargetClaim>): TargetClaim => ({
  release: "team/shop-next",
  environment: "prod",
  revision: "feed000",
  state: "Verified",
  deployStartedAt: "2029-12-31T00:00:00Z",
  ...extra,
});

const OLD = "0ld0000aaaa0ld0000aaaa0ld0000aaaa0ld0000";
/** This release Deploying its revision since the promotion, with what ran there then. */
const inFlight = (extra: Partial<ReleaseEnvironmentStatus> = {}) =>
  storedEntry("prod", "Deploying", { runningAtPromotion: OLD, ...extra });
/** The stored entry of a promotion whose delivery was asked for in an earlier pass. */
const ASKED = inFlight();
/** The stored entry of a promotion recorded, the delivery not asked yet (or asked in this very pass). */
const PENDING = inFlight({ deliveryRequestPending: true });
const told = (requested: string | undefined, revision = OLD): EnvironmentInput["delivery"] => ({
  state: "Deploying",
  revision,
  ...(requested === undefined ? {} : { requested }),
  message: "Sync running",
});

interface Row {
  situation: string;
  entry: ReleaseEnvironmentStatus;
  input: Pick<EnvironmentInput, "delivery" | "lockHolder" | "claims" | "sourceDigest">;
  stored?: ReleaseEnvironmentStatus;
  /** The finding expected (what runs or is told to deploy, and its flags); undefined for none. */
  found?: { running: string; sourceChanged?: true; inFlight?: true };
}

const rows: Row[] = [
  {
    situation: "the approved revision with another path or values than promoted is unapproved",
    entry: storedEntry("prod", "Verified", { sourceDigest: "sha256:promoted" }),
    input: {
      delivery: { state: "Deployed", revision: FULL_REV, message: "Synced" },
      sourceDigest: "sha256:edited",
    },
    found: { running: FULL_REV, sourceChanged: true },
  },
  {
    situation: "the approved revision with the source as promoted is fine",
    entry: storedEntry("prod", "Verified", { sourceDigest: "sha256:promoted" }),
    input: {
      delivery: { state: "Deployed", revision: FULL_REV, message: "Synced" },
      sourceDigest: "sha256:promoted",
    },
  },
  {
    situation: "a Verified target moved to a revision nobody promoted is unapproved",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND) },
    found: { running: HAND },
  },
  {
    situation: "a Deployed target moved by hand is unapproved too",
    entry: storedEntry("prod", "Deployed"),
    input: { delivery: running(HAND) },
    found: { running: HAND },
  },
  {
    situation: "a target still on this release's revision (full id of the short one) is fine",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: { state: "Deployed", revision: FULL_REV, message: "Synced" } },
  },
  {
    situation: "a revision another release promoted to the same target is authorised",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running("feed000aaaa"), claims: [claim({})] },
  },
  {
    situation: "another release mid-promotion (its status records Deploying, later): its business",
    entry: storedEntry("prod", "Verified"),
    input: {
      delivery: running(HAND),
      lockHolder: "team/shop-next",
      claims: [claim({ state: "Deploying", deployStartedAt: "2030-01-02T00:00:00Z" })],
    },
  },
  {
    situation: "a lock naming another release silences nothing by itself: a real promotion is on record",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), lockHolder: "team/shop-next" },
    found: { running: HAND },
  },
  {
    situation: "a lock naming a release that waits at the gate does not authorise the revision it asks for",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running("feed111aaaa"), lockHolder: "team/shop-next", claims: [] },
    found: { running: "feed111aaaa" },
  },
  {
    situation: "when a later release promoted to the target, that release speaks for it, not this one",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), claims: [claim({ deployStartedAt: "2030-01-01T00:00:00Z" })] },
  },
  {
    situation: "an earlier release's claim on another revision does not silence the latest one",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), claims: [claim({ deployStartedAt: "2029-01-01T00:00:00Z" })] },
    found: { running: HAND },
  },
  {
    situation: "a missing target is not an unapproved deployment",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: { state: "Missing", message: "not found" } },
  },
  {
    situation: "no observation is no news",
    entry: storedEntry("prod", "Verified"),
    input: {},
  },
  // In flight: this release is Deploying there.
  {
    situation: "in flight, the tool told to deploy this release's revision, the old one still running: fine",
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told(FULL_REV) },
  },
  {
    situation: "in flight, a hand sync replaces the operation with another revision: unapproved",
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told(HAND) },
    found: { running: HAND, inFlight: true },
  },
  {
    situation: "in flight, a hand sync back to a revision promoted there before is unapproved too",
    entry: inFlight(),
    stored: ASKED,
    input: {
      delivery: told("feed000aaaa", "feed000aaaa"),
      claims: [claim({ deployStartedAt: "2029-01-01T00:00:00Z" })],
    },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation: "in flight, before the tool was asked (the request pending when this pass began): not news",
    entry: inFlight(),
    stored: PENDING,
    input: { delivery: told(OLD) },
  },
  {
    situation:
      "in flight, a revision nobody promoted runs (a Kustomization says nothing requested): unapproved",
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told(undefined, HAND) },
    found: { running: HAND, inFlight: true },
  },
  {
    situation: "in flight on a target that ran something no release promoted: what ran then is not news",
    entry: inFlight(),
    stored: PENDING,
    input: { delivery: told(undefined, OLD) },
  },
  {
    situation: "in flight, an entry recorded before what ran at the promotion was: what runs is not judged",
    entry: storedEntry("prod", "Deploying"),
    stored: storedEntry("prod", "Deploying"),
    input: { delivery: told(FULL_REV, HAND) },
  },
  {
    situation: "in flight, the source changed since the promotion: unapproved",
    entry: inFlight({ sourceDigest: "sha256:promoted" }),
    stored: ASKED,
    input: { delivery: told(FULL_REV), sourceDigest: "sha256:edited" },
    found: { running: OLD, sourceChanged: true, inFlight: true },
  },
  {
    situation: "in flight, even while the lock names another release: the lock silences nothing",
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told(HAND), lockHolder: "team/shop-next" },
    found: { running: HAND, inFlight: true },
  },
];

describe("detectUnapproved", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const found = detectUnapproved(SELF, row.entry, row.input, TARGET, row.stored);
      assert.deepEqual(
        found,
        row.found === undefined
          ? undefined
          : {
              environment: "prod",
              target: "Argo CD Application argocd/shop-prod",
              expected: REV,
              ...row.found,
            },
      );
      if (found?.sourceChanged === true && found.inFlight === true) {
        assert.match(describeUnapproved(found), /changed while this release was promoting/);
      } else if (found?.sourceChanged === true) {
        assert.match(describeUnapproved(found), /runs the approved revision .* changed since/);
      } else if (found?.inFlight === true) {
        assert.match(
          describeUnapproved(found),
          /was made to deploy revision .* while this release was promoting/,
        );
      }
    });
  }

  it("says what runs, what was deployed, and what to do", () => {
    const text = describeUnapproved({
      environment: "prod",
      target: "Argo CD Application argocd/shop-prod",
      running: HAND,
      expected: REV,
    });
    assert.match(text, /Argo CD Application argocd\/shop-prod \(prod\) runs revision 0badc0ffee/);
    assert.match(text, new RegExp(`this release deployed ${FULL_REV} there`));
    assert.match(text, /roll it back, or promote that revision through a Release/);
  });
});

describe("decideRelease and an unapproved deployment", () => {
  const verified = {
    stored: "Verified" as const,
    delivery: { state: "Deployed" as const, revision: FULL_REV, message: "ok" },
  };
  const everywhere = { dev: verified, test: verified, staging: verified, prod: verified };

  it("raises the condition, a Warning and one audit entry once, and clears it when the target is back", () => {
    const first = decideRelease(
      releaseInput({ envs: { ...everywhere, prod: { stored: "Verified", delivery: running(HAND) } } }),
      T0,
    );
    const condition = findCondition(first.status.conditions, "UnapprovedDeployment");
    assert.equal(condition?.status, "True");
    assert.equal(condition?.reason, "UnapprovedRevision");
    assert.match(condition?.message ?? "", /runs revision 0badc0ffee/);
    assert.equal(first.status.environments?.find((e) => e.name === "prod")?.state, "Verified");
    assert.deepEqual(
      first.events.map((e) => [e.type, e.reason]),
      [["Warning", "UnapprovedDeployment"]],
    );
    assert.deepEqual(
      first.audit.map((a) => a.action),
      ["UnapprovedDeployment"],
    );
    assert.deepEqual(first.audit[0]?.details.deployments, [
      { environment: "prod", target: "Argo CD Application argocd/shop-prod", running: HAND, expected: REV },
    ]);

    const again = decideRelease(
      {
        ...releaseInput({ envs: { ...everywhere, prod: { stored: "Verified", delivery: running(HAND) } } }),
        release: {
          ...releaseInput({}).release,
          status: first.status,
        },
      },
      at(60_000),
    );
    assert.deepEqual(again.events, [], "the same finding is announced once");
    assert.deepEqual(again.audit, []);

    const back = decideRelease(
      {
        ...releaseInput({ envs: everywhere }),
        release: { ...releaseInput({}).release, status: first.status },
      },
      at(120_000),
    );
    const cleared = findCondition(back.status.conditions, "UnapprovedDeployment");
    assert.equal(cleared?.status, "False");
    assert.equal(cleared?.reason, "AuthorisedRevisions");
    assert.deepEqual(back.events, []);
    assert.deepEqual(back.audit, []);
  });

  it("carries no UnapprovedDeployment condition on a release that never saw one", () => {
    const decision = decideRelease(releaseInput({ envs: everywhere }), T0);
    assert.equal(findCondition(decision.status.conditions, "UnapprovedDeployment"), undefined);
  });

  it("audits Deployed, Verified and Failed transitions once, with the revision", () => {
    const decision = decideRelease(
      releaseInput({
        envs: {
          dev: { stored: "Deploying", delivery: { state: "Deployed", revision: FULL_REV, message: "ok" } },
        },
      }),
      T0,
    );
    assert.deepEqual(
      decision.audit.map((a) => [a.action, a.details.environment, a.details.revision]),
      [["EnvironmentVerified", "dev", REV]],
    );
    const failed = decideRelease(
      releaseInput({
        envs: {
          dev: {
            stored: "Deploying",
            delivery: { state: "Failed", revision: FULL_REV, message: "sync failed" },
          },
        },
      }),
      T0,
    );
    assert.deepEqual(
      failed.audit.map((a) => a.action),
      ["EnvironmentFailed"],
    );
  });
});
