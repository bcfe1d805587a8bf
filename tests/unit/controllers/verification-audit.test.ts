import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VerificationPolicy } from "../../../src/api/v1alpha1/verification.js";
import {
  baselineAudit,
  failedAudit,
  passedAudit,
  type VerificationSubject,
} from "../../../src/controllers/verification/evidence.js";
import { verificationSchedule } from "../../../src/controllers/verification/schedule.js";

const DEPLOYED = new Date("2026-11-26T10:00:02Z");
const POLICY = VerificationPolicy.parse({
  prometheusURL: "http://prometheus.monitoring:9090",
  checks: [
    { name: "error-rate", query: "sum(rate(errors[1m]))", threshold: { max: 0.2 } },
    { name: "latency", query: "p99", threshold: { relativeTo: "Baseline", max: 1.5 } },
  ],
});

function subject(over: { uid?: string; revision?: string; deployedAt?: Date } = {}): VerificationSubject {
  const deployedAt = over.deployedAt ?? DEPLOYED;
  return {
    task: {
      kind: "DeploymentTask",
      namespace: "shop",
      name: "shop-1-prod-verification",
      uid: over.uid ?? "t-uid",
    },
    release: "shop-1",
    environment: "prod",
    revision: over.revision ?? "4f2c1e0",
    policy: POLICY,
    schedule: verificationSchedule(new Date(deployedAt.getTime() - 2_000), deployedAt, 300_000, 30_000),
  };
}

const SUMMARY = [{ check: "error-rate", count: 10, min: 0.01, max: 0.03, threshold: "max 0.2" }];
const FAILURE = {
  check: "error-rate",
  at: new Date("2026-11-26T10:01:02Z"),
  purpose: "Measurement" as const,
  message: "too high",
  value: 0.5,
};

describe("verification audit transitions", () => {
  it("name a conclusion by the task, the revision and the deployment, whatever was measured", () => {
    const passed = passedAudit(subject(), SUMMARY).transition;
    assert.equal(
      passed,
      "DeploymentTask/t-uid/VerificationPassed/4f2c1e0/2026-11-26T10:00:02Z/metrics-healthy",
    );
    assert.equal(
      passedAudit(subject(), [{ ...SUMMARY[0]!, count: 9 }]).transition,
      passed,
      "the pass after a crash",
    );
    const failed = failedAudit(subject(), FAILURE, "rb-1").transition;
    assert.equal(failedAudit(subject(), { ...FAILURE, value: 0.6 }, "rb-1").transition, failed);
    assert.notEqual(failed, passed);
    for (const other of [
      subject({ uid: "u-2" }),
      subject({ revision: "9e9e9e9" }),
      subject({ deployedAt: new Date("2026-11-26T11:00:00Z") }),
    ]) {
      assert.notEqual(passedAudit(other, SUMMARY).transition, passed);
      assert.notEqual(failedAudit(other, FAILURE, "rb-1").transition, failed);
    }
  });

  it("name the baselines a round takes by the checks, not their values", () => {
    const one = baselineAudit(subject(), new Map([["latency", 0.2]])).transition;
    assert.ok(one !== undefined);
    assert.equal(baselineAudit(subject(), new Map([["latency", 0.25]])).transition, one, "measured again");
    const both = new Map([
      ["latency", 0.2],
      ["error-rate", 0.01],
    ]);
    const reversed = new Map([
      ["error-rate", 0.01],
      ["latency", 0.2],
    ]);
    assert.equal(baselineAudit(subject(), both).transition, baselineAudit(subject(), reversed).transition);
    assert.notEqual(baselineAudit(subject(), both).transition, one);
    assert.notEqual(baselineAudit(subject({ uid: "u-2" }), new Map([["latency", 0.2]])).transition, one);
  });

  it("are absent while the task has no uid", () => {
    const task = { kind: "DeploymentTask", namespace: "shop", name: "t" };
    assert.equal(passedAudit({ ...subject(), task }, SUMMARY).transition, undefined);
  });
});
