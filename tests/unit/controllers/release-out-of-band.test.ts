import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseEnvironmentStatus } from "../../../src/api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { decideRelease } from "../../../src/controllers/release/decide.js";
import type { EnvironmentInput } from "../../../src/controllers/release/environment-step.js";
import {
  describeTarget,
  describeUnapproved,
  detectUnapproved,
} from "../../../src/controllers/release/out-of-band.js";
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

const PINNED: ReleaseTarget = {
  environment: "prod",
  argoCD: { name: "shop-prod", namespace: "argocd", revision: REV, mode: "PinTargetRevision" },
};
const KUSTOMIZATION: ReleaseTarget = {
  environment: "prod",
  flux: { kind: "Kustomization", name: "shop-prod", namespace: "flux", revision: REV },
};
/** What Flux reports applying: `main@sha1:<sha>`. */
const applied = (sha: string) => `main@sha1:${sha}`;
/** The Argo CD sync that ran before this release asked (the release it replaces delivering feed000...). */
const BEFORE = { id: "2029-12-30T10:00:00Z feed000aaaa", revision: "feed000aaaa" };
/** Asked in an earlier pass, with the Application's last operation as it was then. */
const ASKED_PINNED = inFlight({ runningAtPromotion: "feed000aaaa", lastOperationAtRequest: BEFORE.id });
/** A pinned Application: what runs (`status.sync.revision`), the pin, and its last operation. */
const pinned = (
  revision: string,
  lastOperation: { id: string; revision?: string; asked?: string },
  requested = FULL_REV,
): EnvironmentInput["delivery"] => ({
  state: "Deploying",
  revision,
  requested,
  lastOperation,
  message: "OutOfSync",
});
const earlier = claim({ deployStartedAt: "2029-01-01T00:00:00Z" });

interface Row {
  situation: string;
  /** The Argo CD Application in mode Sync unless given. */
  target?: ReleaseTarget;
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
    situation:
      "a release of another environment promoted its revision to this environment's target (the object was " +
      "relabelled into it): neither authorised here nor speaking for the target",
    entry: storedEntry("prod", "Verified"),
    input: {
      delivery: running("feed000aaaa"),
      claims: [claim({ environment: "dev", deployStartedAt: "2030-01-02T00:00:00Z" })],
    },
    found: { running: "feed000aaaa" },
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
      "in flight, the request still marked pending but the lock naming this release (asked with it): a hand sync is news",
    entry: inFlight({ deliveryRequestPending: true }),
    stored: PENDING,
    input: { delivery: told("feed000aaaa", "feed000aaaa"), lockHolder: SELF, claims: [earlier] },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation:
      "in flight, the request marked pending and the lock not this release's: what it is told is not news",
    entry: inFlight({ deliveryRequestPending: true }),
    stored: PENDING,
    input: { delivery: told("feed000aaaa", "feed000aaaa"), lockHolder: "team/mallory", claims: [earlier] },
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
  // A Flux Kustomization: what it is told to deliver is the ref of its GitRepository, where the release pins it.
  {
    situation: "a Kustomization whose pin someone moved back to a revision promoted there before: unapproved",
    target: KUSTOMIZATION,
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told("feed000aaaa", applied("feed000aaaa")), claims: [earlier] },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation: "a Kustomization whose pin someone moved while Flux still runs the old revision: unapproved",
    target: KUSTOMIZATION,
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told("feed000aaaa", applied(OLD)), claims: [earlier] },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation: "a Kustomization whose GitRepository someone unpinned to follow its branch: unapproved",
    target: KUSTOMIZATION,
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told("main", applied(OLD)) },
    found: { running: "main", inFlight: true },
  },
  {
    situation: "a Kustomization pinned to this release's revision, Flux catching up from the old one: fine",
    target: KUSTOMIZATION,
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told(FULL_REV, applied(OLD)) },
  },
  {
    situation: "a Kustomization in the pass that pins it (read before the pin): the old pin is not news",
    target: KUSTOMIZATION,
    entry: inFlight(),
    stored: PENDING,
    input: { delivery: told(OLD, applied(OLD)) },
  },
  {
    situation: "a Kustomization running this release's revision, pinned to it: fine",
    target: KUSTOMIZATION,
    entry: inFlight(),
    stored: ASKED,
    input: { delivery: told(FULL_REV, applied(FULL_REV)) },
  },
  // An Argo CD Application in mode PinTargetRevision: its last operation lags the pin.
  {
    situation: "pinned, the last operation still the one before the request (Argo CD catching up): fine",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: { delivery: pinned("feed000aaaa", BEFORE), claims: [earlier] },
  },
  {
    situation: "pinned, that operation finishing after the request (the same start, the same revision): fine",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: { delivery: pinned(FULL_REV, { ...BEFORE }), claims: [earlier] },
  },
  {
    situation: "pinned, Argo CD's own sync to the pin since the request: fine",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: {
      delivery: pinned(FULL_REV, { id: `2029-12-31T00:00:05Z ${FULL_REV}`, revision: FULL_REV }),
      claims: [earlier],
    },
  },
  {
    situation:
      "pinned, a hand sync back to a revision promoted there before ran and finished between two passes: unapproved",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: {
      // Argo CD compares with the pin (OutOfSync at this release's revision); the operation says what ran.
      delivery: pinned(FULL_REV, { id: "2029-12-31T00:00:09Z feed000aaaa", revision: "feed000aaaa" }),
      claims: [earlier],
    },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation:
      "pinned, a hand sync between the promotion's record and its request (the lock removed): unapproved all the same",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa", deliveryRequestPending: true }),
    stored: inFlight({
      runningAtPromotion: "feed000aaaa",
      lastOperationAtRequest: BEFORE.id,
      deliveryRequestPending: true,
    }),
    input: {
      delivery: pinned(FULL_REV, { id: "2029-12-31T00:00:09Z feed000aaaa", revision: "feed000aaaa" }),
      claims: [earlier],
    },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation: "pinned, the same hand sync where the status reports the revision it synced: unapproved",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: {
      delivery: pinned("feed000aaaa", { id: "2029-12-31T00:00:09Z feed000aaaa", revision: "feed000aaaa" }),
      claims: [earlier],
    },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation: "pinned, a hand sync after this release's revision arrived: unapproved",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: {
      delivery: pinned(FULL_REV, { id: "2029-12-31T00:00:09Z 0ld0000", revision: OLD }),
      claims: [earlier],
    },
    found: { running: OLD, inFlight: true },
  },
  {
    situation: "pinned, a status edited to drop the operation's start time: reported, never silenced",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: ASKED_PINNED,
    input: { delivery: pinned("feed000aaaa", { id: " feed000aaaa", revision: "feed000aaaa" }) },
    found: { running: "feed000aaaa", inFlight: true },
  },
  {
    situation:
      "pinned, in the pass that asks (the request pending when it began): a changed operation is not news",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: inFlight({ runningAtPromotion: "feed000aaaa", deliveryRequestPending: true }),
    input: {
      delivery: pinned(
        "feed000aaaa",
        { id: "2029-12-31T00:00:01Z feed000aaaa", revision: "feed000aaaa" },
        OLD,
      ),
      claims: [earlier],
    },
  },
  {
    situation:
      "pinned, an operation asked for this release's revision by a tag, resolved to a commit: its own",
    target: PINNED,
    entry: inFlight({ revision: "v1.4.0", runningAtPromotion: "feed000aaaa" }),
    stored: inFlight({
      revision: "v1.4.0",
      runningAtPromotion: "feed000aaaa",
      lastOperationAtRequest: BEFORE.id,
    }),
    input: {
      delivery: pinned(
        "feed000aaaa",
        { id: "2029-12-31T00:00:05Z v1.4.0", revision: FULL_REV, asked: "v1.4.0" },
        "v1.4.0",
      ),
      claims: [earlier],
    },
  },
  {
    situation: "pinned, an entry recorded before the last operation was: operations are not judged",
    target: PINNED,
    entry: inFlight({ runningAtPromotion: "feed000aaaa" }),
    stored: inFlight({ runningAtPromotion: "feed000aaaa" }),
    input: {
      delivery: pinned(FULL_REV, { id: "2029-12-31T00:00:09Z feed000aaaa", revision: "feed000aaaa" }),
      claims: [earlier],
    },
  },
];

describe("detectUnapproved", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const target = row.target ?? TARGET;
      const found = detectUnapproved(SELF, row.entry, row.input, target, row.stored);
      assert.deepEqual(
        found,
        row.found === undefined
          ? undefined
          : {
              environment: "prod",
              target: describeTarget(target),
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
    // test, reachable now, begins to wait at its gate: that is another fact (GateWaitChanged, ADR 0053).
    assert.deepEqual(
      decision.audit
        .filter((a) => a.action !== "GateWaitChanged")
        .map((a) => [a.action, a.details.environment, a.details.revision]),
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
