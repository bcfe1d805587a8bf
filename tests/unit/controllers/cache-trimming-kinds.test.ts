// One test per cached kind (ADR 0034, ADR 0051): what the shared caches keep of an object as the API server returns
// it is the whole object but for the fields the trimming names, so every field a controller, the archive or a webhook
// reads from the cache survives, with its value. A new informer without an object here fails the last test.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
      workItems: [{ id: "SHOP-1", kind: "Story", title: "Checkout" }],
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
      type: "Validation",
      check: "SecurityScan",
      releaseRef: { name: "rel-0" },
      environment: "prod",
      checklist: [{ id: "scan", text: "Scan the image", done: false }],
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
  if (group !== "archived") delete copy.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  const status = copy.status as Record<string, unknown> | undefined;
  if (group === "argoCDApplications" && status !== undefined) {
    for (const key of ["resources", "summary", "history"]) delete status[key];
    delete ((status.operationState as Record<string, unknown>).syncResult as Record<string, unknown>)
      .resources;
  }
  if (group === "fluxKustomizations" && status !== undefined) delete status.inventory;
  return copy;
}

describe("what each cached kind keeps (ADR 0034, ADR 0051)", () => {
  for (const [name, object] of Object.entries(full) as [keyof Informers, KubeObject][]) {
    it(`keeps all of a ${object.kind} but what its trimming names, value for value`, () => {
      const given = structuredClone(object);
      const cached = cacheTrimming[cachedKinds[name]](given);
      assert.deepEqual(cached, expected(name, object));
      assert.deepEqual(Object.keys(cached), Object.keys(object), "top-level fields in order");
    });
  }

  it("keeps the archived kinds' metadata as the archive documents hold it (all but managedFields)", () => {
    for (const name of ["releases", "changeRequests", "approvals", "deploymentTasks"] as const) {
      assert.equal(cachedKinds[name], "archived");
      const cached = cacheTrimming.archived(structuredClone(full[name]));
      const { managedFields: _dropped, ...metadata } = full[name].metadata;
      assert.deepEqual(cached.metadata, metadata);
    }
  });

  it("has an object for every informer", () => {
    assert.deepEqual(Object.keys(full).sort(), Object.keys(cachedKinds).sort());
  });
});
