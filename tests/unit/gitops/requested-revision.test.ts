import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgoApplication, ArgoCDAdapter, requestedRevision } from "../../../src/gitops/argocd.js";
import { FluxAdapter } from "../../../src/gitops/flux.js";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const OURS = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";
const HAND = "0badc0ffee0badc0ffee0badc0ffee0badc0ffe";
const OLD = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

/** An Application: pinned at `pin`, last operation to `last`, pending operation to `pending`. */
function app(options: { pin?: string; last?: string; pending?: string }): ArgoApplication {
  return ArgoApplication.parse({
    spec: { source: { repoURL: "https://git.example.com/shop.git", targetRevision: options.pin ?? "HEAD" } },
    ...(options.pending === undefined ? {} : { operation: { sync: { revision: options.pending } } }),
    status: {
      sync: { status: "Synced", revision: options.last ?? OLD },
      ...(options.last === undefined
        ? {}
        : { operationState: { phase: "Succeeded", operation: { sync: { revision: options.last } } } }),
    },
  });
}

describe("what an Application is told to deploy", () => {
  const rows = [
    {
      situation: "Sync: the pending operation's revision",
      app: app({ last: OLD, pending: OURS }),
      mode: "Sync",
      want: OURS,
    },
    { situation: "Sync: else the last operation's", app: app({ last: HAND }), mode: "Sync", want: HAND },
    { situation: "Sync: nothing when no operation ever ran", app: app({}), mode: "Sync", want: undefined },
    {
      situation: "Pin: the pinned targetRevision",
      app: app({ pin: OURS, last: OLD }),
      mode: "PinTargetRevision",
      want: OURS,
    },
    {
      situation: "Pin: a hand sync pending overrides the pin",
      app: app({ pin: OURS, last: OLD, pending: HAND }),
      mode: "PinTargetRevision",
      want: HAND,
    },
  ] as const;
  for (const row of rows) {
    it(row.situation, () => assert.equal(requestedRevision(row.app, row.mode), row.want));
  }

  it("is carried on the adapter's observation", () => {
    const target: ReleaseTarget = {
      environment: "prod",
      argoCD: { name: "shop-prod", namespace: "argocd", revision: OURS, mode: "Sync" },
    };
    const obj = {
      metadata: { name: "shop-prod", namespace: "argocd" },
      ...app({ last: HAND }),
    } as KubeObject;
    const observed = new ArgoCDAdapter({} as KubeClient).observeObject(target, obj);
    assert.equal(observed.requested, HAND);
  });
});

describe("what a HelmRelease is told to deploy", () => {
  const helmRelease = (version: string) =>
    ({
      metadata: { name: "shop", namespace: "flux-system", generation: 2 },
      spec: { chart: { spec: { chart: "shop", version } } },
      status: { observedGeneration: 2, history: [{ chartVersion: "1.0.0", status: "deployed" }] },
    }) as KubeObject;
  const target = (chartVersion?: string): ReleaseTarget => ({
    environment: "prod",
    flux: {
      kind: "HelmRelease",
      name: "shop",
      namespace: "flux-system",
      ...(chartVersion === undefined ? {} : { chartVersion }),
    },
  });

  it("is its chart version when the release pins one", () => {
    const observed = new FluxAdapter({} as KubeClient).observeObject(target("1.1.0"), helmRelease("1.2.0"));
    assert.equal(observed.requested, "1.2.0");
  });

  it("is not said when the release pins no chart version", () => {
    const observed = new FluxAdapter({} as KubeClient).observeObject(target(), helmRelease("1.2.0"));
    assert.equal(observed.requested, undefined);
  });
});
