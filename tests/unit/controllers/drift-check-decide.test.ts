import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { decideDriftCheck, type DriftCheck } from "../../../src/controllers/drift-check/decide.js";
import { DRIFT_RECHECK_MS } from "../../../src/controllers/drift-check/reasons.js";
import { ArgoApplication, observeApplication } from "../../../src/gitops/argocd.js";
import type { DeliveryObservation } from "../../../src/gitops/delivery.js";
import { FluxObject, observeFluxObject } from "../../../src/gitops/flux.js";

const NOW = new Date("2026-11-26T10:00:00Z");
const SHA = "4f2c1e0";
const TASK = { namespace: "shop", name: "shop-1-dev-config-drift", uid: "6a1f" };

const ARGO = ReleaseTarget.parse({ environment: "dev", argoCD: { name: "shop-dev", revision: SHA } });
const KUSTOMIZATION = ReleaseTarget.parse({
  environment: "dev",
  flux: { kind: "Kustomization", name: "shop" },
});
const HELM = ReleaseTarget.parse({ environment: "dev", flux: { kind: "HelmRelease", name: "shop" } });

const check = (target: ReleaseTarget, items = ["drift-checked", "drift-resolved"]): DriftCheck => ({
  kind: "Check",
  release: "shop-1",
  environment: "dev",
  target,
  items,
});

const observed = (over: Partial<DeliveryObservation>): DeliveryObservation => ({
  exists: true,
  revision: SHA,
  synced: true,
  healthy: true,
  degraded: false,
  progressing: false,
  message: "Sync Synced at 4f2c1e0, health Healthy.",
  observedAt: NOW,
  ...over,
});

/** An Argo CD Application as Argo CD writes it, normalised by the adapter. */
const argoApp = (status: Record<string, unknown>, operation?: Record<string, unknown>): DeliveryObservation =>
  observeApplication(ArgoApplication.parse({ spec: {}, status, ...(operation ? { operation } : {}) }), NOW);

/** A Kustomization as kustomize-controller writes it, normalised by the adapter. */
const kustomization = (status: Record<string, unknown>): DeliveryObservation =>
  observeFluxObject(
    "Kustomization",
    FluxObject.parse({ metadata: { generation: 2 }, spec: {}, status }),
    NOW,
  );

const ready = (status: "True" | "False") => ({
  type: "Ready",
  status,
  reason: status === "True" ? "ReconciliationSucceeded" : "BuildFailed",
  message: "Applied revision: main@sha1:4f2c1e0",
});

interface Row {
  situation: string;
  target?: ReleaseTarget;
  observation: DeliveryObservation;
  recorded?: string;
  /** For Complete: the exact evidence notes. For Wait: the reason, whether it is announced, and the event type. */
  expect:
    { complete: string } | { wait: string; announced: boolean; type?: "Normal" | "Warning"; says?: RegExp };
}

const ARGO_NOTES =
  "Argo CD Application argocd/shop-dev reported Synced at revision 4f2c1e0 at 2026-11-26T10:00:00Z, " +
  "with no sync in flight and no failed sync.";

const ROWS: Row[] = [
  { situation: "Argo CD reports Synced", observation: observed({}), expect: { complete: ARGO_NOTES } },
  {
    situation: "Argo CD reports Synced and Degraded (health is not drift)",
    observation: observed({ healthy: false, degraded: true }),
    expect: { complete: ARGO_NOTES },
  },
  {
    situation: "an Application Synced after a succeeded sync",
    observation: argoApp({
      sync: { status: "Synced", revision: SHA },
      health: { status: "Healthy" },
      operationState: { phase: "Succeeded", syncResult: { revision: SHA } },
    }),
    expect: { complete: ARGO_NOTES },
  },
  {
    situation: "a Kustomization Ready at its last attempted revision",
    target: KUSTOMIZATION,
    observation: kustomization({
      observedGeneration: 2,
      lastAppliedRevision: "main@sha1:4f2c1e0",
      lastAttemptedRevision: "main@sha1:4f2c1e0",
      conditions: [ready("True")],
    }),
    expect: {
      complete:
        "Flux Kustomization flux-system/shop reported Ready at revision main@sha1:4f2c1e0 at " +
        "2026-11-26T10:00:00Z, with nothing left to reconcile and nothing stalled.",
    },
  },
  {
    situation: "a HelmRelease Ready with its chart deployed",
    target: HELM,
    observation: observed({ revision: "1.2.3" }),
    expect: {
      complete:
        "Flux HelmRelease flux-system/shop reported Ready with chart version 1.2.3 deployed at " +
        "2026-11-26T10:00:00Z, with nothing left to reconcile and nothing stalled.",
    },
  },
  {
    situation: "Argo CD reports OutOfSync",
    observation: observed({ synced: false, message: "Sync OutOfSync at 4f2c1e0, health Healthy." }),
    expect: {
      wait: "OutOfSync",
      announced: true,
      type: "Warning",
      says: /shop-dev is out of sync.*OutOfSync/,
    },
  },
  {
    situation: "Argo CD still reports OutOfSync, as the task records",
    observation: observed({ synced: false }),
    recorded: "OutOfSync",
    expect: { wait: "OutOfSync", announced: false },
  },
  {
    situation: "a Kustomization Ready at an older revision than it last attempted",
    target: KUSTOMIZATION,
    observation: kustomization({
      observedGeneration: 2,
      lastAppliedRevision: "main@sha1:0000000",
      lastAttemptedRevision: "main@sha1:4f2c1e0",
      conditions: [ready("True")],
    }),
    expect: { wait: "OutOfSync", announced: true, type: "Warning" },
  },
  {
    situation: "an Application with a sync operation in flight",
    observation: argoApp(
      { sync: { status: "Synced", revision: SHA }, health: { status: "Healthy" } },
      { sync: { revision: "9e8d7c6" } },
    ),
    expect: { wait: "Progressing", announced: true, type: "Normal", says: /still syncing/ },
  },
  {
    situation: "a Kustomization that has not looked at its latest spec",
    target: KUSTOMIZATION,
    observation: kustomization({
      observedGeneration: 1,
      lastAppliedRevision: "main@sha1:4f2c1e0",
      conditions: [ready("True")],
    }),
    expect: { wait: "Progressing", announced: true, type: "Normal" },
  },
  {
    situation: "a missing Application",
    observation: observed({
      exists: false,
      synced: false,
      message: "Application argocd/shop-dev does not exist.",
    }),
    expect: {
      wait: "TargetNotFound",
      announced: true,
      type: "Warning",
      says: /was not found.*does not exist/,
    },
  },
  {
    situation: "an Application whose last sync failed",
    observation: argoApp({
      sync: { status: "OutOfSync", revision: SHA },
      health: { status: "Healthy" },
      operationState: { phase: "Failed", message: "one or more objects failed to apply" },
    }),
    expect: { wait: "DeliveryFailed", announced: true, type: "Warning", says: /failed to apply/ },
  },
  {
    situation: "a stalled Kustomization",
    target: KUSTOMIZATION,
    observation: kustomization({
      observedGeneration: 2,
      conditions: [
        ready("False"),
        { type: "Stalled", status: "True", reason: "BuildFailed", message: "kustomize build failed" },
      ],
    }),
    recorded: "OutOfSync",
    expect: {
      wait: "DeliveryFailed",
      announced: true,
      type: "Warning",
      says: /stalled: kustomize build failed/,
    },
  },
  {
    situation: "a drift after an earlier check passed",
    observation: observed({ synced: false }),
    recorded: "InSync",
    expect: { wait: "OutOfSync", announced: true, type: "Warning" },
  },
];

describe("decideDriftCheck", () => {
  for (const row of ROWS) {
    it(row.situation, () => {
      const decision = decideDriftCheck(check(row.target ?? ARGO), TASK, row.observation, row.recorded);
      if ("complete" in row.expect) {
        assert.equal(decision.kind, "Complete", JSON.stringify(decision));
        const evidence = { result: "Passed", notes: row.expect.complete };
        assert.deepEqual(decision.items, [
          { name: "drift-checked", state: "Done", completedBy: "stagegate-operator", evidence },
          { name: "drift-resolved", state: "Done", completedBy: "stagegate-operator", evidence },
        ]);
        assert.equal(decision.annotation, "InSync");
        assert.equal(decision.event.type, "Normal");
        assert.equal(decision.event.reason, "DriftChecked");
        assert.ok(decision.event.message.includes(row.expect.complete));
        return;
      }
      const expected = row.expect;
      assert.equal(decision.kind, "Wait", JSON.stringify(decision));
      assert.equal(decision.reason, expected.wait, decision.message);
      assert.equal(decision.requeueAfterMs, DRIFT_RECHECK_MS);
      assert.match(decision.message, /looks again every 30s/);
      if (expected.says !== undefined) assert.match(decision.message, expected.says);
      if (!expected.announced) {
        assert.equal(decision.annotation, undefined, "a wait already recorded writes nothing");
        assert.equal(decision.event, undefined, "a wait already recorded stays quiet");
        return;
      }
      assert.equal(decision.annotation, expected.wait);
      assert.deepEqual(decision.event, {
        type: expected.type,
        reason: expected.wait,
        message: decision.message,
      });
    });
  }

  it("audits a completion with the target, the revision and the time observed", () => {
    const decision = decideDriftCheck(check(ARGO, ["drift-checked"]), TASK, observed({}), "OutOfSync");
    assert.equal(decision.kind, "Complete");
    assert.deepEqual(decision.audit, {
      actor: "stagegate-operator",
      action: "DriftChecked",
      object: { kind: "DeploymentTask", namespace: "shop", name: "shop-1-dev-config-drift", uid: "6a1f" },
      details: {
        release: "shop-1",
        environment: "dev",
        target: { tool: "ArgoCD", kind: "Application", namespace: "argocd", name: "shop-dev" },
        revision: SHA,
        synced: true,
        observedAt: "2026-11-26T10:00:00Z",
        items: ["drift-checked"],
      },
      transition: "DeploymentTask/6a1f/DriftChecked/g0/drift-checked",
    });
    assert.deepEqual(
      decision.items.map((item) => item.name),
      ["drift-checked"],
      "only the items the plan names",
    );
  });

  it("names a completion alike in every pass that sees the same Pending items, and another set apart", () => {
    const transition = (items: string[], observation = observed({})) => {
      const decision = decideDriftCheck(check(ARGO, items), TASK, observation, undefined);
      assert.equal(decision.kind, "Complete");
      return decision.audit.transition;
    };
    const first = transition(["drift-checked", "drift-resolved"]);
    assert.ok(first !== undefined);
    // A later look (after a crash before the items were written) sees another time: the same fact.
    assert.equal(
      first,
      transition(["drift-checked", "drift-resolved"], observed({ observedAt: new Date(0) })),
    );
    assert.notEqual(first, transition(["drift-resolved"]));
    const other = decideDriftCheck(check(ARGO), { ...TASK, uid: "7b2e" }, observed({}), undefined);
    assert.notEqual(
      first,
      other.kind === "Complete" ? other.audit.transition : undefined,
      "a re-created task",
    );
    const reset = decideDriftCheck(check(ARGO), { ...TASK, generation: 3 }, observed({}), "OutOfSync");
    assert.notEqual(
      first,
      reset.kind === "Complete" ? reset.audit.transition : undefined,
      "a check after a person set the items back to Pending",
    );
  });

  it("looks again after the interval it is given", () => {
    const decision = decideDriftCheck(check(ARGO), TASK, observed({ synced: false }), undefined, 1_500);
    assert.equal(decision.kind, "Wait");
    assert.equal(decision.requeueAfterMs, 1_500);
    assert.match(decision.message, /every 1\.5s/);
  });
});
