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

/**
 * One reconcile at `now` on the stored `status`; when it took a target's lock for a promotion, the pass its own
 * status write wakes runs right after, in the same world, and asks the delivery tool: the two are returned as one
 * decision (both passes' actions and events, the second's status).
 */
function reconcile(step: Step, status: ReleaseStatus | undefined, now: Date): ReleaseDecision {
  const input = releaseInput({ envs: step.envs, ...(status === undefined ? {} : { status }) });
  const decision = decideRelease(input, now);
  assertInvariants(input, decision, now);
  if (!decision.actions.some((a) => a.kind === "TakeLock")) return decision;
  const next = releaseInput({ envs: step.envs, status: decision.status });
  const followUp = decideRelease(next, now);
  assertInvariants(next, followUp, now);
  return {
    ...followUp,
    actions: [...decision.actions, ...followUp.actions],
    events: [...decision.events, ...followUp.events],
    audit: [...decision.audit, ...followUp.audit],
  };
}

/**
 * Runs the release through successive reconciles, feeding each decided status back as the stored one, and checks
 * at every step the invariants, that deciding the same step again changes nothing, and that no timestamp moves.
 */
function run(steps: readonly Step[]): ReleaseDecision[] {
  let status: ReleaseStatus | undefined;
  const stamped = new Map<string, string>();
  return steps.map((step) => {
    const now = at(step.time);
    const input = releaseInput({ envs: step.envs, ...(status === undefined ? {} : { status }) });
    const decision = reconcile(step, status, now);
    const again = decideRelease({ ...input, release: { ...input.release, status: decision.status } }, now);
    assert.deepEqual(again.status, decision.status, `deciding again at ${step.time} changes nothing`);
    assert.deepEqual(again.events, []);
    // Freeing a lock waits for a pass that sees Verified or Failed stored, so deciding again may add one.
    assert.deepEqual(
      actionLines(again).filter((a) => !a.startsWith("Ensure") && !a.startsWith("ReleaseLock")),
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
    assert.deepEqual(
      decisions.flatMap((d) => actionLines(d).filter((a) => !a.startsWith("Ensure"))),
      [
        `TakeLock dev@${REV}`,
        `Promote dev@${REV}`,
        "ReleaseLock dev",
        `TakeLock test@${REV}`,
        `Promote test@${REV}`,
        `TakeLock staging@${REV}`,
        `Promote staging@${REV}`,
        `TakeLock prod@${REV}`,
        `Promote prod@${REV}`,
        "ReleaseLock prod",
      ],
      "each environment is locked, recorded and then promoted once, in order",
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
      actionLines(decisions[2] as ReleaseDecision),
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
