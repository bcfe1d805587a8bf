// The cache drops parts of delivery objects' status (ADR 0034). Each dropped field must be one no reader of the cache
// reads: the adapters read delivery objects through their zod schemas, so a dropped path must not be, or lie on the
// way to, a path those schemas name; and what the adapters conclude from a cached object must equal what they
// conclude from the full one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { cacheTrimming } from "../../../src/controllers/informers.js";
import {
  ARGOCD_UNREAD_STATUS,
  FLUX_KUSTOMIZATION_UNREAD_STATUS,
} from "../../../src/controllers/delivery-unread.js";
import {
  ArgoApplication,
  lastOperationOf,
  observeApplication,
  requestedRevision,
  syncAlreadyRequested,
  syncOperation,
} from "../../../src/gitops/argocd.js";
import { FluxObject, observeFluxObject } from "../../../src/gitops/flux.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

/** Every path a schema names, objects' keys by name and list elements as `[]`. */
function namedPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return namedPaths(schema.unwrap() as z.ZodType, prefix);
  }
  if (schema instanceof z.ZodArray) return namedPaths(schema.element as z.ZodType, [...prefix, "[]"]);
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, inner]) => [
      [...prefix, key],
      ...namedPaths(inner, [...prefix, key]),
    ]);
  }
  return [];
}

const startsWith = (path: readonly string[], prefix: readonly string[]): boolean =>
  prefix.every((key, i) => path[i] === key);

/**
 * Whether dropping `dropped` removes something a schema reads at `read`: the read path is the dropped one or lies
 * under it. (Every path on the way to a read field is named too, so a dropped path under a read object is no clash.)
 */
const clashes = (dropped: readonly string[], read: readonly string[]): boolean => startsWith(read, dropped);

const REVISION = "8f1c2b7e4d3a69f0b5c8e7d6a5b4c3d2e1f0a9b8";
const OLDER = "0a1b2c3d4e5f60718293a4b5c6d7e8f901a2b3c4";

/** An Argo CD Application as Argo CD writes it after a sync to {@link REVISION}, with the status it keeps for its UI. */
function application(phase: string, health: string): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "shop-prod", namespace: "argocd", uid: "app-1", resourceVersion: "7", generation: 3 },
    spec: {
      project: "default",
      source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "main" },
      destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
      syncPolicy: { syncOptions: ["CreateNamespace=true"], retry: { limit: 2 } },
    },
    status: {
      sync: { status: "Synced", revision: REVISION, comparedTo: { source: { repoURL: "x" } } },
      health: { status: health, message: "" },
      operationState: {
        phase,
        message: "successfully synced (all tasks run)",
        startedAt: "2026-12-06T10:00:00Z",
        finishedAt: "2026-12-06T10:00:05Z",
        operation: { initiatedBy: { username: "stagegate" }, sync: { revision: REVISION } },
        syncResult: {
          revision: REVISION,
          source: { repoURL: "https://git.example.com/shop.git" },
          resources: [{ kind: "Deployment", name: "shop", status: "Synced", message: "configured" }],
        },
      },
      resources: [{ kind: "Deployment", name: "shop", status: "Synced", health: { status: "Healthy" } }],
      summary: { images: ["registry.example.com/shop:1.4.2"], externalURLs: ["https://shop.example.com"] },
      history: [
        { id: 1, revision: OLDER, deployedAt: "2026-12-05T10:00:05Z" },
        { id: 2, revision: REVISION, deployedAt: "2026-12-06T10:00:05Z" },
      ],
      reconciledAt: "2026-12-06T10:00:06Z",
      conditions: [{ type: "SyncError", message: "an earlier sync failed" }],
    },
  };
}

/** A Flux Kustomization as kustomize-controller writes it, with its inventory. */
function kustomization(ready: string): KubeObject {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: {
      name: "shop",
      namespace: "flux-system",
      generation: 2,
      annotations: { "reconcile.fluxcd.io/requestedAt": "2026-12-06T10:00:00Z" },
    },
    spec: { path: "./deploy", sourceRef: { kind: "GitRepository", name: "shop" } },
    status: {
      observedGeneration: 2,
      lastHandledReconcileAt: "2026-12-06T10:00:00Z",
      lastAppliedRevision: `main@sha1:${REVISION}`,
      lastAttemptedRevision: `main@sha1:${REVISION}`,
      conditions: [
        { type: "Ready", status: ready, reason: "ReconciliationSucceeded", observedGeneration: 2 },
      ],
      inventory: { entries: [{ id: "shop_shop_apps_Deployment", v: "v1" }] },
    },
  };
}

const observedAt = new Date("2026-12-06T10:01:00Z");
const request = { release: "shop-1.4.2", revision: REVISION };

describe("the delivery status the cache drops (ADR 0034)", () => {
  const argoReads = namedPaths(ArgoApplication);
  const fluxReads = namedPaths(FluxObject);

  it("finds the paths the adapters' schemas read (the check below can fail)", () => {
    assert.ok(argoReads.some((p) => p.join(".") === "status.operationState.syncResult.revision"));
    assert.ok(fluxReads.some((p) => p.join(".") === "status.history.[].chartVersion"));
    assert.ok(clashes(["status", "operationState"], ["status", "operationState", "phase"]));
    assert.ok(clashes(["status", "history"], ["status", "history", "[]", "chartVersion"]));
    assert.ok(!clashes(["status", "resources"], ["status", "sync", "status"]));
    assert.ok(
      !clashes(["status", "operationState", "syncResult", "resources"], ["status", "operationState"]),
    );
  });

  for (const [kind, dropped, reads] of [
    ["Argo CD Applications", ARGOCD_UNREAD_STATUS, argoReads],
    ["Flux Kustomizations", FLUX_KUSTOMIZATION_UNREAD_STATUS, fluxReads],
  ] as const) {
    it(`drops from ${kind} nothing the adapter's schema reads`, () => {
      for (const path of dropped) {
        const read = reads.find((r) => clashes(path, r));
        assert.equal(read, undefined, `${path.join(".")} is read as ${read?.join(".")}`);
      }
    });
  }

  for (const [phase, health] of [
    ["Succeeded", "Healthy"],
    ["Running", "Progressing"],
    ["Failed", "Degraded"],
  ] as const) {
    it(`leaves what Argo CD's adapter concludes unchanged: ${phase}, ${health}`, () => {
      const full = application(phase, health);
      const cached = cacheTrimming.argoCDApplications(full);
      const status = cached.status as Record<string, unknown>;
      for (const key of ["resources", "summary", "history"]) assert.equal(status[key], undefined, key);
      const [a, b] = [ArgoApplication.parse(full), ArgoApplication.parse(cached)];
      assert.deepEqual(observeApplication(b, observedAt), observeApplication(a, observedAt));
      assert.deepEqual(lastOperationOf(b), lastOperationOf(a));
      for (const mode of ["Sync", "PinTargetRevision"] as const) {
        assert.deepEqual(requestedRevision(b, mode), requestedRevision(a, mode));
      }
      for (const revision of [REVISION, OLDER]) {
        assert.deepEqual(syncAlreadyRequested(b, revision), syncAlreadyRequested(a, revision));
      }
      assert.deepEqual(syncOperation(b, OLDER, request), syncOperation(a, OLDER, request));
      assert.deepEqual(cached.spec, full.spec);
      assert.deepEqual(cached.metadata, full.metadata);
    });
  }

  for (const ready of ["True", "False", "Unknown"]) {
    it(`leaves what Flux's adapter concludes of a Kustomization unchanged: Ready ${ready}`, () => {
      const full = kustomization(ready);
      const cached = cacheTrimming.fluxKustomizations(full);
      assert.equal((cached.status as Record<string, unknown>).inventory, undefined);
      assert.deepEqual(
        observeFluxObject("Kustomization", FluxObject.parse(cached), observedAt),
        observeFluxObject("Kustomization", FluxObject.parse(full), observedAt),
      );
      assert.deepEqual(cached.spec, full.spec);
    });
  }

  it("does not change the object it is given", () => {
    const full = application("Succeeded", "Healthy");
    const before = structuredClone(full);
    cacheTrimming.argoCDApplications(full);
    assert.deepEqual(full, before);
  });
});
