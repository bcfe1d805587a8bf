import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EnsureChangeRequest, EnsureCheckTask } from "../../../src/controllers/release/actions.js";
import {
  planChangeRequest,
  planCheckTasks,
  plannedWindow,
} from "../../../src/controllers/release/children.js";
import { revisionMatches, targetRevision } from "../../../src/controllers/release/delivery.js";
import { changeRequestName, checkTaskName, kebabCase } from "../../../src/controllers/release/names.js";
import {
  ENVIRONMENTS,
  FULL_REV,
  HOUR,
  UID,
  at,
  bindingOf,
  environment,
  releaseSpec,
} from "./release-fixtures.js";

const release = { name: "shop", uid: UID, spec: releaseSpec() };
const byType = (tasks: EnsureCheckTask[], type: string) => tasks.find((t) => t.type === type);

describe("release child objects", () => {
  it("names check tasks <release>-<environment>-<check>-<binding hash>: a new artifact opens new checks", () => {
    assert.deepEqual(
      ["SecurityScan", "PostDeployVerification", "Checklist", "UserAcceptance"].map(kebabCase),
      ["security-scan", "post-deploy-verification", "checklist", "user-acceptance"],
    );
    const prod = bindingOf("prod");
    assert.match(
      checkTaskName(prod, "EnvironmentReadiness"),
      /^shop-prod-environment-readiness-[0-9a-f]{10}$/,
    );
    assert.equal(checkTaskName(prod, "SecurityScan"), checkTaskName(bindingOf("prod"), "SecurityScan"));
    const moved = { ...prod, artifact: { ...prod.artifact, commit: "f".repeat(40) } };
    assert.notEqual(checkTaskName(moved, "SecurityScan"), checkTaskName(prod, "SecurityScan"));
  });

  it("names a ChangeRequest per binding and promotion, and never the same for two releases or environments", () => {
    const prod = bindingOf("prod");
    const first = changeRequestName(prod, 1);
    assert.match(first, /^shop-prod-[0-9a-f]{10}$/);
    assert.equal(
      changeRequestName(bindingOf("prod"), 1),
      first,
      "the same binding always yields the same name",
    );
    assert.notEqual(changeRequestName(prod, 2), first, "the next promotion asks anew");
    const target = { ...prod.target, revision: "e".repeat(40) };
    assert.notEqual(changeRequestName({ ...prod, target }, 1), first, "a new target revision asks anew");
    const swapped = { ...prod.target, name: "other-app" };
    assert.notEqual(changeRequestName({ ...prod, target: swapped }, 1), first, "another target asks anew");
    // "a-b" in "c" and "a" in "b-c" run together as "a-b-c": the hash keeps them apart.
    const one = { ...prod, release: { name: "a-b", uid: "1" }, environment: "c" };
    const two = { ...prod, release: { name: "a", uid: "2" }, environment: "b-c" };
    assert.notEqual(changeRequestName(one, 1), changeRequestName(two, 1));
  });

  it("gives readiness to infrastructure owners, other checks to application owners, else the release manager", () => {
    const staging = planCheckTasks(release, bindingOf("staging"), ENVIRONMENTS.staging);
    assert.deepEqual(byType(staging, "EnvironmentReadiness")?.owners, [{ kind: "Group", name: "platform" }]);
    assert.deepEqual(byType(staging, "UserAcceptance")?.owners, [{ kind: "User", name: "rita" }]);
    const test = planCheckTasks(release, bindingOf("test"), ENVIRONMENTS.test);
    assert.deepEqual(byType(test, "SecurityScan")?.owners, [{ kind: "Group", name: "shop-team" }]);
    assert.equal(byType(test, "SecurityScan")?.sla, "48h");
    assert.equal(byType(staging, "UserAcceptance")?.sla, undefined);
    assert.deepEqual(byType(test, "SecurityScan")?.releaseRef, { name: "shop" });
  });

  it("makes readiness due when the next window opens, and leaves it on the task SLA inside one or without any", () => {
    const prod = environment({
      ...ENVIRONMENTS.prod,
      taskSLA: "72h",
      gate: { ...ENVIRONMENTS.prod.gate, requiredChecks: ["EnvironmentReadiness", "SecurityScan"] },
    });
    const before = planCheckTasks(release, bindingOf("prod"), prod, at(0));
    assert.equal(byType(before, "EnvironmentReadiness")?.dueAt, "2030-01-01T10:00:00Z");
    assert.equal(byType(before, "EnvironmentReadiness")?.sla, undefined, "dueAt and sla are exclusive");
    assert.equal(byType(before, "SecurityScan")?.sla, "72h", "other checks keep the SLA");
    const inside = planCheckTasks(release, bindingOf("prod"), prod, at(10.5 * HOUR));
    assert.equal(byType(inside, "EnvironmentReadiness")?.dueAt, undefined);
    assert.equal(byType(inside, "EnvironmentReadiness")?.sla, "72h");
    const staging = planCheckTasks(release, bindingOf("staging"), ENVIRONMENTS.staging, at(0));
    assert.equal(
      byType(staging, "EnvironmentReadiness")?.dueAt,
      undefined,
      "no windows: no window to be ready for",
    );
  });

  it("asks for evidence on security scans and user acceptance, not on readiness", () => {
    const staging = planCheckTasks(release, bindingOf("staging"), ENVIRONMENTS.staging);
    const scan = planCheckTasks(release, bindingOf("test"), ENVIRONMENTS.test)[0];
    const evidence = (t: EnsureCheckTask | undefined) => t?.checklist.map((i) => i.requiresEvidence);
    assert.deepEqual(evidence(scan), [true, true]);
    assert.deepEqual(evidence(byType(staging, "UserAcceptance")), [true, true]);
    assert.ok(evidence(byType(staging, "EnvironmentReadiness"))?.every((e) => e === false));
    assert.ok(staging.every((t) => t.checklist.length > 0 && t.checklist.every((i) => i.required)));
  });

  it("plans the change for the next window, the open one, or now until the task SLA (24h without one)", () => {
    assert.deepEqual(plannedWindow(ENVIRONMENTS.prod, at(0)), {
      start: "2030-01-01T10:00:00Z",
      end: "2030-01-01T12:00:00Z",
    });
    assert.deepEqual(plannedWindow(ENVIRONMENTS.prod, at(10.5 * HOUR)), {
      start: "2030-01-01T10:30:00Z",
      end: "2030-01-01T12:00:00Z",
    });
    assert.deepEqual(plannedWindow(ENVIRONMENTS.test, at(0)), {
      start: "2030-01-01T00:00:00Z",
      end: "2030-01-03T00:00:00Z",
    });
    assert.deepEqual(plannedWindow(environment({}), at(0)).end, "2030-01-02T00:00:00Z");
  });

  it("justifies the change with the version and work items and lists the target's artifacts", () => {
    const change: EnsureChangeRequest = planChangeRequest(
      release,
      bindingOf("prod"),
      1,
      ENVIRONMENTS.prod,
      {
        environment: "prod",
        argoCD: { name: "shop-prod", namespace: "argocd", revision: "abc1234", mode: "Sync" },
      },
      at(0),
    );
    assert.equal(change.name, changeRequestName(bindingOf("prod"), 1));
    assert.deepEqual(change.binding, bindingOf("prod"));
    assert.equal(change.type, "Normal");
    assert.equal(
      change.justification,
      "Release shop version 2.14.0 to prod. It delivers Story PAY-1: Pay by invoice; Bug PAY-2.",
    );
    assert.deepEqual(change.artifacts, [{ name: "shop-prod", revision: "abc1234" }]);
    const helm = planChangeRequest(
      release,
      bindingOf("prod"),
      1,
      ENVIRONMENTS.prod,
      {
        environment: "prod",
        flux: {
          kind: "HelmRelease",
          name: "shop",
          namespace: "flux-system",
          revision: "v2",
          chartVersion: "2.14.0",
        },
      },
      at(0),
    );
    assert.deepEqual(helm.artifacts, [
      { name: "shop", revision: "v2" },
      { name: "shop-chart", revision: "2.14.0" },
    ]);
  });

  it("reads the revision a target deploys and matches what the adapters report", () => {
    const spec = releaseSpec();
    const kustomization = {
      environment: "dev",
      flux: { kind: "Kustomization" as const, name: "k", namespace: "f" },
    };
    assert.equal(
      targetRevision(kustomization, spec),
      FULL_REV,
      "a Kustomization pinning nothing runs the source",
    );
    assert.ok(revisionMatches(FULL_REV, "abc1234"));
    assert.ok(revisionMatches(`main@sha1:${FULL_REV}`, "abc1234"));
    assert.ok(revisionMatches("2.14.0", "2.14.0"));
    assert.ok(!revisionMatches("2.14.1", "2.14.0"));
    assert.ok(!revisionMatches("abc1235", "abc1234"));
    assert.ok(!revisionMatches(undefined, "abc1234"));
  });

  it("a chart version Flux picked within the range an ungated environment asked for matches it", () => {
    assert.ok(revisionMatches("1.4.3", "1.4.x"));
    assert.ok(revisionMatches("1.9.0", "^1.4"));
    assert.ok(!revisionMatches("2.0.0", "^1.4"));
    assert.ok(!revisionMatches("1.4.3", "1.4.2"), "an exact version matches only itself");
    assert.ok(!revisionMatches(FULL_REV, "1.4.x"), "a commit is no chart version");
    assert.ok(!revisionMatches("1.4.3", "main"), "a branch is no range");
  });
});
