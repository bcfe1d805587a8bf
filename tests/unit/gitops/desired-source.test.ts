import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { desiredSourceDigest } from "../../../src/gitops/desired-source.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const app = (source: Record<string, unknown>, destination = { namespace: "shop" }): KubeObject => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Application",
  metadata: { name: "shop-prod", namespace: "argocd" },
  spec: { project: "default", source, destination },
});
const SOURCE = { repoURL: "https://git.example.com/shop.git", path: "overlays/prod", targetRevision: "a" };

const helm = (chart: Record<string, unknown>, values: Record<string, unknown>): KubeObject => ({
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: { name: "shop", namespace: "flux-system" },
  spec: { interval: "10m", chart: { spec: chart }, values },
});

describe("the desired source of a delivery object", () => {
  const base = desiredSourceDigest("Application", app(SOURCE));

  it("ignores the revision Stagegate pins (targetRevision, a chart's version)", () => {
    assert.equal(desiredSourceDigest("Application", app({ ...SOURCE, targetRevision: "b" })), base);
    const chart = { chart: "shop", sourceRef: { kind: "HelmRepository", name: "shop" } };
    assert.equal(
      desiredSourceDigest("HelmRelease", helm({ ...chart, version: "1.0.0" }, { replicas: 2 })),
      desiredSourceDigest("HelmRelease", helm({ ...chart, version: "1.1.0" }, { replicas: 2 })),
    );
  });

  it("changes with the path, the repository, the destination, the chart or its values", () => {
    for (const changed of [
      app({ ...SOURCE, path: "overlays/backdoor" }),
      app({ ...SOURCE, repoURL: "https://git.example.com/fork.git" }),
      app(SOURCE, { namespace: "kube-system" }),
      app({ ...SOURCE, helm: { values: "image: evil" } }),
    ]) {
      assert.notEqual(desiredSourceDigest("Application", changed), base);
    }
    const chart = { chart: "shop", version: "1.0.0" };
    assert.notEqual(
      desiredSourceDigest("HelmRelease", helm(chart, { replicas: 2 })),
      desiredSourceDigest("HelmRelease", helm(chart, { replicas: 2, image: "evil" })),
    );
  });
});
