// One test per cached kind (ADR 0034, 0051, 0058): what the shared caches keep of an object as the API server returns
// it is the whole object but for the fields the trimming names, so every field a controller, the archive or a webhook
// reads from the cache survives, with its value. A new informer without an object here fails the last test.
//
// What each kind keeps, exactly:
// - every kind: all but managedFields (the entries owning the lock annotation stay);
// - every kind but Approvals: without the kubectl last-applied copy (Approvals are sealed into a change's archive
//   document as cached; the archive reads a closed Release, ChangeRequest or DeploymentTask live: ADR 0058);
// - DeploymentTasks: without spec.description and each checklist item's description;
// - Argo CD Applications: without status.resources, summary, history and operationState.syncResult.resources;
// - Flux Kustomizations: without status.inventory.
// Status is whole on every kind: the controllers compare the status they compute with the cached one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChangeRequestSpec } from "../../../src/api/v1alpha1/change-request.js";
import { DeploymentTaskSpec } from "../../../src/api/v1alpha1/deployment-task.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { cacheTrimming, cachedKinds, type Informers } from "../../../src/controllers/informers.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import { DELIVERY_FIELD_MANAGER } from "../../../src/gitops/delivery.js";
import { LAST_APPLIED_ANNOTATION } from "../../../src/runtime/informer/transform.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const REVISION = "1b1b1b1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const RELEASE_UID = "e322c45d-6263-4199-979d-949a20edf1ab";
const AT = "2026-12-06T21:39:59.868Z";

/** A managedFields entry as the API server writes it. */
function managed(manager: string, fields: Record<string, unknown>, operation = "Update"): unknown {
  return {
    manager,
    operation,
    apiVersion: "v1",
    time: "2026-12-06T21:39:59Z",
    fieldsType: "FieldsV1",
    fieldsV1: fields,
  };
}

/** Metadata as the API server returns it: managedFields of two writers, a last-applied copy, owner and labels. */
function metadata(name: string, extra: Record<string, unknown> = {}): KubeObject["metadata"] {
  return {
    name,
    namespace: "team",
    uid: `${name}-uid`,
    resourceVersion: "1669",
    generation: 2,
    creationTimestamp: "2026-12-06T21:39:53Z",
    labels: { "stagegate.io/release": "rel-0" },
    annotations: {
      [LAST_APPLIED_ANNOTATION]: `{"kind":"X","metadata":{"name":"${name}"}}`,
      "example.com/team": "shop",
    },
    managedFields: [
      managed("kubectl-client-side-apply", {
        "f:metadata": { "f:annotations": { [`f:${LAST_APPLIED_ANNOTATION}`]: {} } },
      }),
      managed("stagegate-release", { "f:status": { "f:conditions": {} } }, "Apply"),
    ],
    ...extra,
  };
}

const condition = {
  type: "Ready",
  status: "True",
  reason: "Complete",
  message: "Verified.",
  lastTransitionTime: AT,
  observedGeneration: 2,
};

/** One object of each cached kind, as the API server returns it. */
const full: Record<keyof Informers, KubeObject> = {
  releases: {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: metadata("rel-0", { finalizers: ["stagegate.io/target-locks"] }),
    spec: {
      version: "1.0.0",
      declaredBy: { username: "admin", groups: ["system:masters", "system:authenticated"], earlier: [] },
      owners: {
        releaseManager: { kind: "User", name: "dave" },
        rollbackOwner: { kind: "User", name: "olga" },
      },
      pipeline: ["staging", "prod"],
      source: { repoURL: "https://git.example.com/shop.git", revision: REVISION, commits: [], digests: [] },
      targets: [
        {
          environment: "prod",
          argoCD: { name: "app-0", namespace: "team", revision: REVISION, mode: "Sync" },
        },
      ],
      workItems: [{ id: "SHOP-1", type: "Story", title: "Checkout" }],
    },
    status: {
      conditions: [condition],
      currentEnvironment: "prod",
      currentState: "Verified",
      environments: [
        {
          name: "prod",
          state: "Verified",
          revision: REVISION,
          artifact: REVISION,
          promotions: 1,
          verifiedAt: AT,
        },
      ],
      observedGeneration: 2,
    },
  },
  changeRequests: {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "ChangeRequest",
    metadata: metadata("rel-0-prod-c17112594e", {
      ownerReferences: [
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Release",
          name: "rel-0",
          uid: RELEASE_UID,
          controller: true,
        },
      ],
    }),
    spec: {
      environment: "prod",
      type: "Normal",
      justification: "Release rel-0 version 1.0.0 to prod.",
      releaseRef: { name: "rel-0" },
      binding: {
        release: { name: "rel-0", uid: RELEASE_UID },
        environment: "prod",
        artifact: { commit: REVISION, digests: [] },
        target: { kind: "Application", name: "app-0", namespace: "team", revision: REVISION },
      },
      requestedBy: { username: "stagegate-operator", groups: ["stagegate:operators"] },
      plannedWindow: { start: AT, end: AT },
    },
    status: {
      resolution: "Approved",
      resolvedBy: "alice",
      resolvedAt: AT,
      round: 1,
      conditions: [condition],
    },
  },
  approvals: {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Approval",
    metadata: metadata("rel-0-prod-c17112594e"),
    spec: {
      changeRequestRef: { name: "rel-0-prod-c17112594e" },
      decisions: {
        alice: { decision: "Approve", decidedAt: AT, groups: ["approvers"], comment: "Looks good." },
      },
      eligible: { groups: ["approvers"], users: [] },
      excluded: [{ user: "admin", reason: "declared the release" }],
      required: 1,
    },
    status: { outcome: "Approved", decidedBy: "alice", approvals: 1, conditions: [condition] },
  },
  deploymentTasks: {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: metadata("rel-0-prod-securityscan"),
    spec: {
      type: "SecurityScan",
      title: "SecurityScan of rel-0 1.0.0 in prod",
      description: "The SecurityScan check the prod environment requires before release rel-0 may enter it.",
      releaseRef: { name: "rel-0" },
      environment: "prod",
      owners: [{ kind: "User", name: "dave" }],
      checklist: [
        {
          name: "scan-run",
          description: "Scan the release's images and dependencies; attach the scan report.",
          required: true,
          requiresEvidence: true,
          state: "Done",
          evidence: { uri: "https://ci.example.com/scan/1", result: "Passed" },
          completedBy: "erin",
          completedAt: AT,
        },
        { name: "findings-triaged", required: true, requiresEvidence: true, state: "Pending" },
      ],
      log: [{ time: AT, author: "ci", kind: "Comment", message: "Started." }],
      binding: {
        release: { name: "rel-0", uid: RELEASE_UID },
        environment: "prod",
        artifact: { commit: REVISION, digests: [] },
        target: { kind: "Application", name: "app-0", namespace: "team", revision: REVISION },
      },
      dueAt: AT,
    },
    status: { phase: "Ready", conditions: [condition], log: [{ at: AT, by: "ci", message: "Started." }] },
  },
  environments: {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { ...metadata("prod"), namespace: undefined },
    spec: { order: 2, regulated: true, gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } } },
    status: { conditions: [condition] },
  },
  namespaces: {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { ...metadata("team"), namespace: undefined },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  },
  teamRoleBindings: {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "TeamRoleBinding",
    metadata: { ...metadata("payments"), namespace: undefined },
    spec: {
      team: "payments",
      environments: ["prod"],
      roles: [{ role: "QA", members: [{ kind: "Group", name: "payments-qa" }] }],
    },
  },
  argoCDProjects: {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: metadata("default"),
    spec: { syncWindows: [{ kind: "deny", schedule: "0 22 * * *", duration: "1h", applications: ["*"] }] },
  },
  argoCDApplications: {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      ...metadata("app-0"),
      annotations: { [LAST_APPLIED_ANNOTATION]: "{}", [LOCK_ANNOTATION]: "team/rel-0" },
      managedFields: [
        managed("argocd-application-controller", { "f:status": {} }),
        managed(
          DELIVERY_FIELD_MANAGER,
          { "f:metadata": { "f:annotations": { [`f:${LOCK_ANNOTATION}`]: {} } } },
          "Apply",
        ),
      ],
    },
    spec: { source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "HEAD" } },
    status: {
      sync: { status: "Synced", revision: REVISION },
      health: { status: "Healthy", lastTransitionTime: AT },
      operationState: {
        phase: "Succeeded",
        syncResult: { revision: REVISION, resources: [{ kind: "Deployment" }] },
      },
      resources: [{ kind: "Deployment", name: "shop", status: "Synced" }],
      summary: { images: ["shop:1.0.0"] },
      history: [{ id: 0, revision: REVISION, deployedAt: AT }],
    },
  },
  fluxKustomizations: {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: metadata("shop"),
    spec: { sourceRef: { kind: "GitRepository", name: "shop" }, path: "./deploy" },
    status: {
      conditions: [condition],
      lastAppliedRevision: `main@sha1:${REVISION}`,
      inventory: { entries: [{ id: "team_shop_apps_Deployment", v: "v1" }] },
    },
  },
  fluxHelmReleases: {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: metadata("shop"),
    spec: { chart: { spec: { chart: "shop", version: "1.0.0" } } },
    status: { conditions: [condition], history: [{ chartVersion: "1.0.0", status: "deployed" }] },
  },
};

/** What the cache is expected to hold: `object` without exactly what its group's trimming names (ADR 0034). */
function expected(name: keyof Informers, object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  const group = cachedKinds[name];
  const entries = (copy.metadata.managedFields ?? []) as unknown[];
  const kept = entries.filter((entry) => JSON.stringify(entry).includes(LOCK_ANNOTATION));
  if (kept.length > 0) copy.metadata.managedFields = kept;
  else delete copy.metadata.managedFields;
  if (group !== "sealedFromCache") delete copy.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  const spec = copy.spec as Record<string, unknown> | undefined;
  if (group === "deploymentTasks" && spec !== undefined) {
    delete spec.description;
    for (const item of spec.checklist as Record<string, unknown>[]) delete item.description;
  }
  const status = copy.status as Record<string, unknown> | undefined;
  if (group === "argoCDApplications" && status !== undefined) {
    for (const key of ["resources", "summary", "history"]) delete status[key];
    delete ((status.operationState as Record<string, unknown>).syncResult as Record<string, unknown>)
      .resources;
  }
  if (group === "fluxKustomizations" && status !== undefined) delete status.inventory;
  return copy;
}

describe("what each cached kind keeps (ADR 0034, 0051, 0058)", () => {
  for (const [name, object] of Object.entries(full) as [keyof Informers, KubeObject][]) {
    it(`keeps all of a ${object.kind} but what its trimming names, value for value`, () => {
      const given = structuredClone(object);
      const cached = cacheTrimming[cachedKinds[name]](given);
      assert.deepEqual(cached, expected(name, object));
      assert.deepEqual(Object.keys(cached), Object.keys(object), "top-level fields in order");
    });
  }

  it("keeps the Approvals' metadata as a change's archive document holds it (all but managedFields)", () => {
    assert.equal(cachedKinds.approvals, "sealedFromCache");
    const cached = cacheTrimming.sealedFromCache(structuredClone(full.approvals));
    const { managedFields: _dropped, ...metadata } = full.approvals.metadata;
    assert.deepEqual(cached.metadata, metadata);
  });

  it("keeps the status of every kind whole: a pass that changes nothing compares it and writes nothing", () => {
    for (const name of ["releases", "changeRequests", "deploymentTasks", "approvals"] as const) {
      const cached = cacheTrimming[cachedKinds[name]](structuredClone(full[name]));
      assert.deepEqual(cached.status, full[name].status, name);
    }
  });

  it("keeps a spec every reader parses with the kind's own schema, to the same value but for what it drops", () => {
    const specs = [
      ["releases", ReleaseSpec],
      ["changeRequests", ChangeRequestSpec],
      ["deploymentTasks", DeploymentTaskSpec],
    ] as const;
    for (const [name, schema] of specs) {
      const cached = cacheTrimming[cachedKinds[name]](structuredClone(full[name]));
      const fromCache = schema.safeParse(cached.spec);
      assert.ok(fromCache.success, `${name}: ${fromCache.error?.message ?? ""}`);
      assert.deepEqual(fromCache.data, schema.parse(expected(name, full[name]).spec), name);
    }
    const task = cacheTrimming.deploymentTasks(structuredClone(full.deploymentTasks)).spec as {
      description?: string;
      checklist: { description?: string }[];
    };
    assert.equal(task.description, undefined);
    assert.deepEqual(
      task.checklist.map((item) => item.description),
      [undefined, undefined],
    );
  });

  it("has an object for every informer", () => {
    assert.deepEqual(Object.keys(full).sort(), Object.keys(cachedKinds).sort());
  });
});
