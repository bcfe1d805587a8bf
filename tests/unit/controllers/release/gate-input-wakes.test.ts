import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createInformers, type Informers } from "../../../../src/controllers/informers.js";
import { gateInputWatches } from "../../../../src/controllers/release/gate-input-wakes.js";
import { RELEASES_BY_TARGET, releaseTargetKeys } from "../../../../src/controllers/release/target-claims.js";
import type { InformerEvent } from "../../../../src/runtime/informer/informer.js";
import { KubeClient } from "../../../../src/runtime/kube/client.js";
import type { KubeObject } from "../../../../src/runtime/kube/object.js";
import { silentLogger } from "../../../../src/runtime/logging.js";
import { RuntimeMetrics } from "../../../../src/runtime/metrics.js";

// Issue 12, ADR 0068: what the Release controller reads from the caches besides its children and targets wakes the
// releases it holds, so none of it waits for the periodic resync.

/** Caches only: the client is never asked anything (no informer runs). */
function caches(): Informers {
  const client = KubeClient.fromKubeConfig({
    getCurrentCluster: () => ({ server: "https://127.0.0.1:1" }),
    applyToHTTPSOptions: () => Promise.resolve(),
  });
  return createInformers({
    client,
    log: silentLogger,
    informer: { resyncMs: 0, stallTimeoutMs: 90_000 },
    metrics: new RuntimeMetrics(),
  });
}

function release(namespace: string, name: string, targets: unknown[]): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name, namespace },
    spec: { targets },
  };
}

const meta = (name: string, namespace?: string, extra: Partial<KubeObject["metadata"]> = {}) => ({
  name,
  ...(namespace === undefined ? {} : { namespace }),
  ...extra,
});

const namespace = (labels: Record<string, string>, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: meta("shop", undefined, { labels, annotations }),
});

const project = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "AppProject",
  metadata: meta("payments", "argocd"),
  spec,
  status,
});

const kustomization = (name: string, repository: string, interval = "5m"): KubeObject => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: meta(name, "flux-system"),
  spec: { interval, sourceRef: { kind: "GitRepository", name: repository } },
});

const helmRelease = (repository: string): KubeObject => ({
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: meta("outsider", "flux-system"),
  spec: { chart: { spec: { chart: "./c", sourceRef: { kind: "GitRepository", name: repository } } } },
});

function world(): { informers: Informers; keysOf: (kind: string, event: InformerEvent) => string[] } {
  const informers = caches();
  informers.releases.store.upsert(
    release("shop", "argo", [{ environment: "prod", argoCD: { name: "shop", revision: "abc1234" } }]),
  );
  informers.releases.store.upsert(
    release("shop", "flux", [{ environment: "prod", flux: { kind: "Kustomization", name: "shop" } }]),
  );
  informers.releases.store.upsert(
    release("other", "elsewhere", [{ environment: "prod", argoCD: { name: "x", revision: "abc1234" } }]),
  );
  informers.argoCDApplications.store.upsert({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: meta("shop", "argocd"),
    spec: { project: "payments" },
  });
  informers.argoCDApplications.store.upsert({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: meta("x", "argocd"),
    spec: {},
  });
  informers.fluxKustomizations.store.upsert(kustomization("shop", "monorepo"));
  // As the Release controller files them before it asks for these watches.
  informers.releases.store.addIndex(RELEASES_BY_TARGET, releaseTargetKeys);
  const watches = gateInputWatches(informers, informers.releases.store);
  const byKind = new Map([
    ["Namespace", informers.namespaces],
    ["AppProject", informers.argoCDProjects],
    ["Kustomization", informers.fluxKustomizations],
    ["HelmRelease", informers.fluxHelmReleases],
  ]);
  return {
    informers,
    keysOf: (kind, event) =>
      watches.filter((w) => w.informer === byKind.get(kind)).flatMap((w) => w.toKeys(event)),
  };
}

describe("The Release controller's gate inputs wake the releases they hold", () => {
  const rows: { situation: string; kind: string; event: InformerEvent; wakes: string[] }[] = [
    {
      situation: "a namespace's labels changed (a freeze's scope)",
      kind: "Namespace",
      event: { type: "updated", object: namespace({ tier: "1" }), old: namespace({}) },
      wakes: ["shop/argo", "shop/flux"],
    },
    {
      situation: "a namespace's annotations changed, its labels not",
      kind: "Namespace",
      event: { type: "updated", object: namespace({}, { note: "b" }), old: namespace({}, { note: "a" }) },
      wakes: [],
    },
    {
      situation: "an AppProject's sync windows changed",
      kind: "AppProject",
      event: {
        type: "updated",
        object: project({ syncWindows: [] }),
        old: project({ syncWindows: [{ kind: "deny", schedule: "* * * * *", duration: "1h" }] }),
      },
      wakes: ["shop/argo"],
    },
    {
      situation: "an AppProject created",
      kind: "AppProject",
      event: { type: "added", object: project({}) },
      wakes: ["shop/argo"],
    },
    {
      situation: "an AppProject's status changed, its windows not",
      kind: "AppProject",
      event: { type: "updated", object: project({}, { a: 2 }), old: project({}, { a: 1 }) },
      wakes: [],
    },
    {
      situation: "a HelmRelease building from a release's Kustomization's GitRepository deleted",
      kind: "HelmRelease",
      event: { type: "deleted", object: helmRelease("monorepo") },
      wakes: ["shop/flux"],
    },
    {
      situation: "another Kustomization moved off that GitRepository",
      kind: "Kustomization",
      event: {
        type: "updated",
        object: kustomization("outsider", "elsewhere"),
        old: kustomization("outsider", "monorepo"),
      },
      wakes: ["shop/flux"],
    },
    {
      situation: "another Kustomization changed, its source not",
      kind: "Kustomization",
      event: {
        type: "updated",
        object: kustomization("outsider", "monorepo", "1m"),
        old: kustomization("outsider", "monorepo"),
      },
      wakes: [],
    },
    {
      situation: "a HelmRelease of an unrelated GitRepository created",
      kind: "HelmRelease",
      event: { type: "added", object: helmRelease("unrelated") },
      wakes: [],
    },
  ];
  for (const row of rows) {
    it(`${row.situation}: wakes ${row.wakes.join(", ") || "nothing"}`, () => {
      const { keysOf } = world();
      assert.deepEqual([...new Set(keysOf(row.kind, row.event))].sort(), row.wakes);
    });
  }
});
