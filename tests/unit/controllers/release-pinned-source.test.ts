// Which GitRepository a release reads, in flight, to learn what a Kustomization target is told to deliver: the one
// its Kustomization builds from as read in the pass, and only where the environment owns Kustomizations (the only
// GitRepository a release ever pins).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EnvironmentDelivery } from "../../../src/api/v1alpha1/environment.js";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { pinnedGitRepository } from "../../../src/controllers/release/shared-source.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const SHA = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";
const owns: EnvironmentDelivery = { fluxKustomizations: { namespaces: ["flux-prod"], matchLabels: {} } };
const kustomization = (sourceRef: Record<string, string> | undefined): KubeObject => ({
  metadata: { name: "shop", namespace: "flux-prod" },
  spec: { path: "./deploy", ...(sourceRef === undefined ? {} : { sourceRef }) },
});
const target = (revision: string | undefined): ReleaseTarget => ({
  environment: "prod",
  flux: {
    kind: "Kustomization",
    name: "shop",
    namespace: "flux-prod",
    ...(revision === undefined ? {} : { revision }),
  },
});

describe("pinnedGitRepository", () => {
  const rows: {
    situation: string;
    delivery?: EnvironmentDelivery;
    target: ReleaseTarget;
    live: KubeObject | undefined;
    want: string | undefined;
  }[] = [
    {
      situation: "the GitRepository the Kustomization builds from, in its own namespace",
      target: target(SHA),
      live: kustomization({ kind: "GitRepository", name: "shop" }),
      want: "flux-prod/shop",
    },
    {
      situation: "one in another namespace the environment owns",
      delivery: { fluxKustomizations: { namespaces: ["flux-prod", "sources"], matchLabels: {} } },
      target: target(SHA),
      live: kustomization({ kind: "GitRepository", name: "shop", namespace: "sources" }),
      want: "sources/shop",
    },
    {
      situation: "none in a namespace the environment does not own (it is never pinned)",
      target: target(SHA),
      live: kustomization({ kind: "GitRepository", name: "shop", namespace: "flux-system" }),
      want: undefined,
    },
    {
      situation: "none for a target that pins no revision",
      target: target(undefined),
      live: kustomization({ kind: "GitRepository", name: "shop" }),
      want: undefined,
    },
    {
      situation: "none for another kind of source",
      target: target(SHA),
      live: kustomization({ kind: "OCIRepository", name: "shop" }),
      want: undefined,
    },
    {
      situation: "none when the Kustomization was not read",
      target: target(SHA),
      live: undefined,
      want: undefined,
    },
    {
      situation: "none for an Argo CD target",
      target: {
        environment: "prod",
        argoCD: { name: "shop", namespace: "argocd", revision: SHA, mode: "PinTargetRevision" },
      },
      live: kustomization({ kind: "GitRepository", name: "shop" }),
      want: undefined,
    },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      assert.equal(pinnedGitRepository(row.delivery ?? owns, row.target, row.live), row.want);
    });
  }
});
