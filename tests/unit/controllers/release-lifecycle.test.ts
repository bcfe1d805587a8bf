import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseStatus } from "../../../src/api/v1alpha1/release.js";
import { decideRelease, type ReleaseDecision } from "../../../src/controllers/release/decide.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import {
  FULL_REV,
  HOUR,
  REV,
  SELF,
  actionLines,
  assertInvariants,
  at,
  recordedPromotions,
  releaseInput,
  task,
  type Env,
  type EnvFixture,
} from "./release-fixtures.js";

const MINUTE = 60_000;
const TIMESTAMPS = ["requestedAt", "gateClearedAt", "deployStartedAt", "deployedAt", "verifiedAt"] as const;

/** One reconcile: the world at `time`; the stored status is the previous decision's. */
interface Step {
  time: number;
  envs: Partial<Record<Env, Omit<EnvFixture, "stored">>>;
}

/** The step's world with the lock of each of `names` set to `holder` (undefined: no lock). */
function withLock(envs: Step["envs"], names: readonly string[], holder: string | undefined): Step["envs"] {
  const changed: Step["envs"] = { ...envs };
  for (const name of names as Env[]) changed[name] = { ...changed[name], lockHolder: holder };
  return changed;
}

/**
 * One reconcile at `now` on the stored `status`; when it recorded a promotion, the pass its own status write wakes
 * runs right after, in the same world with the target unlocked, and takes the lock with the request; the pass that
 * write wakes (the lock naming the release now) runs after it. They are returned as one decision (every pass's
 * actions and events, the last one's status).
 */
function reconcile(step: Step, status: ReleaseStatus | undefined, now: Date): ReleaseDecision {
  const input = releaseInput({ envs: step.envs, ...(status === undefined ? {} : { status }) });
  const decision = decideRelease(input, now);
  assertInvariants(input, decision, now);
  const recorded = recordedPromotions(input, decision);
  if (recorded.length === 0) return decision;
  const passes = [decision];
  const asking = releaseInput({ envs: withLock(step.envs, recorded, undefined), status: decision.status });
  const asked = decideRelease(asking, now);
  assertInvariants(asking, asked, now);
  passes.push(asked);
  const promoted = asked.actions.flatMap((a) => (a.kind === "Promote" ? [a.environment] : []));
  if (promoted.length > 0) {
    const locked = releaseInput({ envs: withLock(step.envs, promoted, SELF), status: asked.status });
    const after = decideRelease(locked, now);
    assertInvariants(locked, after, now);
    passes.push(after);
  }
  const last = passes[passes.length - 1] as ReleaseDecision;
  return {
    ...last,
    actions: passes.flatMap((p) => p.actions),
    events: passes.flatMap((p) => p.events),
    audit: passes.flatMap((p) => p.audit),
  };
}

/**
 * Runs the release through successive reconciles, feeding each decided status back as the stored one, and checks
 * at every step the invariants, that deciding the same step again changes nothing, and that no timestamp moves.
 */
function run(steps: readonly Step[]): ReleaseDecision[] {
  let status: ReleaseStatus | undefined;
  const stamped = new Map<string, string>();
  // The targets whose lock this release took with its request and has not freed: the world keeps it between steps.
  const held = new Set<string>();
  return steps.map((given) => {
    const now = at(given.time);
    const envs: Step["envs"] = { ...given.envs };
    for (const name of held as Set<Env>) {
      if (!Object.hasOwn(envs[name] ?? {}, "lockHolder")) envs[name] = { ...envs[name], lockHolder: SELF };
    }
    const step = { ...given, envs };
    const decision = reconcile(step, status, now);
    for (const action of decision.actions) {
      if (action.kind === "Promote") held.add(action.environment);
      if (action.kind === "ReleaseLock") held.delete(action.environment);
    }
    // The world after the pass: an environment asked in it carries this release's lock (taken with the request).
    const asked = decision.actions.flatMap((a) => (a.kind === "Promote" ? [a.environment] : []));
    const after = releaseInput({ envs: withLock(step.envs, asked, SELF), status: decision.status });
    const again = decideRelease(after, now);
    assert.deepEqual(again.status, decision.status, `deciding again at ${step.time} changes nothing`);
    assert.deepEqual(again.events, []);
    // Freeing a lock waits for a pass that sees Verified or Failed stored, so deciding again may add one; a pass
    // that finds its lock with the request pending confirms the promotion's record (no write to the target).
    const idempotent = ["Ensure", "ReleaseLock", "ConfirmPromotion"];
    assert.deepEqual(
      actionLines(again).filter((a) => !idempotent.some((kind) => a.startsWith(kind))),
      [],
      "deciding again leaves only the idempotent actions",
    );
    for (const entry of decision.status.environments ?? []) {
      for (const field of TIMESTAMPS) {
        const key = `${entry.name}.${field}`;
        const value = entry[field];
        if (stamped.has(key)) assert.equal(value, stamped.get(key), `${key} never moves`);
        else if (value !== undefined) stamped.set(key, value);
      }
    }
    status = decision.status;
    return decision;
  });
}

const deployed = { state: "Deployed" as const, revision: FULL_REV, message: "Synced and Healthy" };
const deploying = { state: "Deploying" as const, revision: FULL_REV, message: "Sync running" };
const scanned = { tasks: [task("test", "SecurityScan", "Succeeded")] };
const staged = [
  task("staging", "EnvironmentReadiness", "Succeeded"),
  task("staging", "UserAcceptance", "Succeeded"),
];
const verifiedStaging = {
  tasks: [...staged, task("staging", "PostDeployVerification", "Succeeded")],
  delivery: deployed,
};

describe("decideRelease over a release's life", () => {
  it("moves dev -> test -> staging -> prod as checks succeed, the change is approved and the window opens", () => {
    const decisions = run([
      { time: 0, envs: {} },
      { time: MINUTE, envs: { dev: { delivery: deploying, lockHolder: SELF } } },
      { time: 10 * MINUTE, envs: { dev: { delivery: deployed, lockHolder: SELF } } },
      {
        time: HOUR,
        // The lock is freed in the first pass that sees Verified stored.
        envs: {
          dev: { delivery: deployed, lockHolder: SELF },
          test: { tasks: [task("test", "SecurityScan", "Ready")] },
        },
      },
      { time: 2 * HOUR, envs: { dev: { delivery: deployed }, test: scanned } },
      { time: 3 * HOUR, envs: { dev: { delivery: deployed }, test: { ...scanned, delivery: deployed } } },
      {
        time: 4 * HOUR,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: { tasks: staged },
        },
      },
      {
        time: 5 * HOUR,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: {
            tasks: [...staged, task("staging", "PostDeployVerification", "Ready")],
            delivery: deployed,
          },
        },
      },
      {
        time: 6 * HOUR,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: verifiedStaging,
        },
      },
      {
        time: 7 * HOUR,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: verifiedStaging,
          prod: { changeRequest: { name: "shop-prod", resolution: undefined } },
        },
      },
      {
        time: 8 * HOUR,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: verifiedStaging,
          prod: { changeRequest: { name: "shop-prod", resolution: "Approved" } },
        },
      },
      {
        time: 10 * HOUR + 1000,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: verifiedStaging,
          prod: { changeRequest: { name: "shop-prod", resolution: "Approved" } },
        },
      },
      {
        time: 10 * HOUR + 5 * MINUTE,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: verifiedStaging,
          prod: {
            changeRequest: { name: "shop-prod", resolution: "Approved", closedAt: "2030-01-01T10:01:00Z" },
            delivery: deployed,
            lockHolder: SELF,
          },
        },
      },
      {
        time: 10 * HOUR + 6 * MINUTE,
        envs: {
          dev: { delivery: deployed },
          test: { ...scanned, delivery: deployed },
          staging: verifiedStaging,
          prod: {
            changeRequest: { name: "shop-prod", resolution: "Approved", closedAt: "2030-01-01T10:01:00Z" },
            delivery: deployed,
            lockHolder: SELF,
          },
        },
      },
    ]);
    assert.deepEqual(
      decisions.map((d) => `${d.status.currentEnvironment}:${d.status.currentState}`),
      [
        "dev:Deploying",
        "dev:Deploying",
        "test:Gated",
        "test:Gated",
        "test:Deploying",
        "staging:Gated",
        "staging:Deploying",
        "staging:Deployed",
        "prod:Gated",
        "prod:Gated",
        "prod:Gated",
        "prod:Deploying",
        "prod:Verified",
        "prod:Verified",
      ],
    );
    // One reconcile here runs several passes of the same world (see reconcile), so a lock freed in it is freed in
    // each: the facts in their first order, and each promotion asked once.
    const lines = decisions.flatMap((d) =>
      actionLines(d).filter((a) => !a.startsWith("Ensure") && !a.startsWith("ConfirmPromotion")),
    );
    assert.equal(lines.filter((a) => a.startsWith("Promote")).length, 4, "each promotion is asked once");
    assert.deepEqual(
      [...new Set(lines)],
      [
        `Promote dev@${REV}`,
        "ReleaseLock dev",
        `Promote test@${REV}`,
        "ReleaseLock test",
        `Promote staging@${REV}`,
        "ReleaseLock staging",
        `Promote prod@${REV}`,
        "ReleaseLock prod",
      ],
      "each environment is recorded, then locked and asked in one write, then freed, in order",
    );
    const promoteProd = decisions[11]?.actions.find((a) => a.kind === "Promote");
    assert.equal(promoteProd?.kind === "Promote" ? promoteProd.changeRequest : undefined, "shop-prod");
    assert.deepEqual(
      decisions.map((d) => d.requeueAfterMs),
      [...Array<undefined>(10).fill(undefined), 2 * HOUR + 1000, undefined, undefined, undefined],
      "only the approved change outside the window waits for the clock",
    );
    const last = decisions[decisions.length - 1];
    const ready = findCondition(last?.status.conditions, "Ready");
    assert.deepEqual([ready?.status, ready?.reason], ["True", "Complete"]);
    const dev = last?.status.environments?.[0];
    assert.deepEqual(
      [dev?.requestedAt, dev?.gateClearedAt, dev?.deployedAt, dev?.verifiedAt],
      ["2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "2030-01-01T00:10:00Z", "2030-01-01T00:10:00Z"],
    );
    const prod = last?.status.environments?.[3];
    assert.deepEqual(
      [prod?.requestedAt, prod?.gateClearedAt, prod?.deployStartedAt, prod?.verifiedAt],
      ["2030-01-01T06:00:00Z", "2030-01-01T10:00:01Z", "2030-01-01T10:00:01Z", "2030-01-01T10:05:00Z"],
    );
    assert.deepEqual(
      decisions.map((d) => d.events.map((e) => `${e.reason}`).join(",")),
      [
        "Promoted",
        "",
        "Verified,Gated",
        "",
        "Promoted",
        "Verified,Gated",
        "Promoted",
        "Deployed",
        "Verified,Gated",
        "",
        "",
        "Promoted",
        "Verified",
        "",
      ],
    );
  });

  it("holds the pipeline on a failure and goes on once the environment is repaired", () => {
    const failed = { state: "Failed" as const, revision: FULL_REV, message: "ImagePullBackOff" };
    const decisions = run([
      { time: 0, envs: { dev: { delivery: deployed } } },
      { time: HOUR, envs: { dev: { delivery: deployed }, test: { ...scanned, lockHolder: SELF } } },
      {
        time: 2 * HOUR,
        envs: { dev: { delivery: deployed }, test: { ...scanned, delivery: failed, lockHolder: SELF } },
      },
      {
        time: 3 * HOUR,
        envs: { dev: { delivery: deployed }, test: { ...scanned, delivery: failed, lockHolder: SELF } },
      },
      { time: 4 * HOUR, envs: { dev: { delivery: deployed }, test: { ...scanned, delivery: deployed } } },
    ]);
    assert.deepEqual(
      decisions.map((d) => (d.status.environments ?? []).map((e) => e.state).join(",")),
      [
        "Verified,Gated,Pending,Pending",
        "Verified,Deploying,Pending,Pending",
        "Verified,Failed,Pending,Pending",
        "Verified,Failed,Pending,Pending",
        "Verified,Verified,Gated,Pending",
      ],
    );
    assert.deepEqual(
      actionLines(decisions[2] as ReleaseDecision).filter((a) => !a.startsWith("ConfirmPromotion")),
      [],
      "the lock waits for Failed to be stored",
    );
    assert.deepEqual(
      actionLines(decisions[3] as ReleaseDecision),
      ["ReleaseLock test"],
      "a failed environment is not retried; its lock is freed",
    );
    assert.deepEqual(
      decisions[2]?.events.map((e) => [e.type, e.reason]),
      [["Warning", "DeploymentFailed"]],
    );
    const ready = findCondition(decisions[3]?.status.conditions, "Ready");
    assert.equal(ready?.reason, "Failed");
    assert.ok(ready?.message.includes("ImagePullBackOff"), ready?.message);
    assert.equal(ready?.lastTransitionTime, "2030-01-01T02:00:00Z", "Ready moved once, at the failure");
  });
});
