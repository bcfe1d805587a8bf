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

interface Row {
  situation: string;
  entry: ReleaseEnvironmentStatus;
  input: Pick<EnvironmentInput, "delivery" | "lockHolder" | "lockHonoured" | "claims" | "sourceDigest">;
  unapproved: boolean;
}

const rows: Row[] = [
  {
    situation: "the approved revision with another path or values than promoted is unapproved",
    entry: storedEntry("prod", "Verified", { sourceDigest: "sha256:promoted" }),
    input: {
      delivery: { state: "Deployed", revision: FULL_REV, message: "Synced" },
      sourceDigest: "sha256:edited",
    },
    unapproved: true,
  },
  {
    situation: "the approved revision with the source as promoted is fine",
    entry: storedEntry("prod", "Verified", { sourceDigest: "sha256:promoted" }),
    input: {
      delivery: { state: "Deployed", revision: FULL_REV, message: "Synced" },
      sourceDigest: "sha256:promoted",
    },
    unapproved: false,
  },
  {
    situation: "a Verified target moved to a revision nobody promoted is unapproved",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND) },
    unapproved: true,
  },
  {
    situation: "a Deployed target moved by hand is unapproved too",
    entry: storedEntry("prod", "Deployed"),
    input: { delivery: running(HAND) },
    unapproved: true,
  },
  {
    situation: "a target still on this release's revision (full id of the short one) is fine",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: { state: "Deployed", revision: FULL_REV, message: "Synced" } },
    unapproved: false,
  },
  {
    situation: "before this release delivered (Deploying), whatever ran there is not its business",
    entry: storedEntry("prod", "Deploying"),
    input: { delivery: running(HAND) },
    unapproved: false,
  },
  {
    situation: "a revision another release promoted to the same target is authorised",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running("feed000aaaa"), claims: [claim({})] },
    unapproved: false,
  },
  {
    situation: "another release holding the lock is mid-promotion: its business",
    entry: storedEntry("prod", "Verified"),
    input: {
      delivery: running(HAND),
      lockHolder: "team/shop-next",
      lockHonoured: true,
      claims: [claim({ state: "Deploying", deployStartedAt: "2029-01-01T00:00:00Z" })],
    },
    unapproved: false,
  },
  {
    situation: "the holder's sync ran ahead of its status write: its spec claims the target, so its business",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), lockHolder: "team/shop-next", lockHonoured: true },
    unapproved: false,
  },
  {
    situation: "a forged lock naming a release that does not claim the target silences nothing",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), lockHolder: "team/shop-next", lockHonoured: false },
    unapproved: true,
  },
  {
    situation: "a forged lock naming this team's other release that targets elsewhere silences nothing",
    entry: storedEntry("prod", "Verified"),
    input: {
      delivery: running(HAND),
      lockHolder: "team/cart",
      lockHonoured: false,
      claims: [claim({ deployStartedAt: "2029-01-01T00:00:00Z" })],
    },
    unapproved: true,
  },
  {
    situation: "a lock naming a release done with the target (Verified there long ago) silences nothing",
    entry: storedEntry("prod", "Verified"),
    input: {
      delivery: running(HAND),
      lockHolder: "team/shop-next",
      claims: [claim({ state: "Verified", deployStartedAt: "2029-01-01T00:00:00Z" })],
    },
    unapproved: true,
  },
  {
    situation: "when a later release promoted to the target, that release speaks for it, not this one",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), claims: [claim({ deployStartedAt: "2030-01-01T00:00:00Z" })] },
    unapproved: false,
  },
  {
    situation: "an earlier release's claim on another revision does not silence the latest one",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: running(HAND), claims: [claim({ deployStartedAt: "2029-01-01T00:00:00Z" })] },
    unapproved: true,
  },
  {
    situation: "a missing target is not an unapproved deployment",
    entry: storedEntry("prod", "Verified"),
    input: { delivery: { state: "Missing", message: "not found" } },
    unapproved: false,
  },
  {
    situation: "no observation is no news",
    entry: storedEntry("prod", "Verified"),
    input: {},
    unapproved: false,
  },
];

describe("detectUnapproved", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const found = detectUnapproved(SELF, row.entry, row.input, TARGET);
      assert.equal(found !== undefined, row.unapproved, JSON.stringify(found));
      if (found !== undefined) {
        const sourceChanged = row.input.sourceDigest !== undefined;
        assert.deepEqual(found, {
          environment: "prod",
          target: "Argo CD Application argocd/shop-prod",
          running: sourceChanged ? FULL_REV : HAND,
          expected: REV,
          ...(sourceChanged ? { sourceChanged: true } : {}),
        });
        if (sourceChanged)
          assert.match(describeUnapproved(found), /runs the approved revision .* changed since/);
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
