import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ArgoApplication,
  ArgoCDAdapter,
  lastOperationOf,
  requestedRevision,
} from "../../../src/gitops/argocd.js";
import { FluxAdapter, gitRepositoryRequest } from "../../../src/gitops/flux.js";
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

describe("the last operation of an Application", () => {
  const withState = (operationState: Record<string, unknown> | undefined) =>
    ArgoApplication.parse({
      spec: { source: { targetRevision: OURS } },
      status: { sync: { status: "OutOfSync", revision: OURS }, operationState },
    });

  it("is none (id empty) when the Application never ran one", () => {
    assert.deepEqual(lastOperationOf(withState(undefined)), { id: "" });
  });

  it("is told apart by its start and the revision it synced, from start to finish", () => {
    const running = lastOperationOf(
      withState({
        phase: "Running",
        startedAt: "2030-01-01T00:00:00Z",
        operation: { sync: { revision: HAND } },
      }),
    );
    const done = lastOperationOf(
      withState({
        phase: "Succeeded",
        startedAt: "2030-01-01T00:00:00Z",
        finishedAt: "2030-01-01T00:00:04Z",
        operation: { sync: { revision: HAND } },
        syncResult: { revision: HAND },
      }),
    );
    assert.deepEqual(running, { id: `2030-01-01T00:00:00Z ${HAND}`, revision: HAND, asked: HAND });
    assert.deepEqual(done, running);
  });

  it("says the revision the sync resolved to over the one asked for, and keeps its id once resolved", () => {
    const operation = { sync: { revision: "main" } };
    const running = lastOperationOf(
      withState({ phase: "Running", startedAt: "2030-01-01T00:00:00Z", operation }),
    );
    const done = lastOperationOf(
      withState({
        phase: "Succeeded",
        startedAt: "2030-01-01T00:00:00Z",
        operation,
        syncResult: { revision: HAND },
      }),
    );
    assert.equal(running.revision, "main");
    assert.equal(done.revision, HAND);
    assert.equal(done.id, running.id);
  });

  it("is another operation when it started at another time, even to the same revision", () => {
    const at = (startedAt: string) =>
      lastOperationOf(withState({ phase: "Succeeded", startedAt, operation: { sync: { revision: HAND } } }))
        .id;
    assert.notEqual(at("2030-01-01T00:00:09Z"), at("2030-01-01T00:00:00Z"));
  });

  it("is carried on the adapter's observation, in either mode", () => {
    const obj = {
      metadata: { name: "shop-prod", namespace: "argocd" },
      ...app({ pin: OURS, last: HAND }),
    } as KubeObject;
    for (const mode of ["Sync", "PinTargetRevision"] as const) {
      const target: ReleaseTarget = {
        environment: "prod",
        argoCD: { name: "shop-prod", namespace: "argocd", revision: OURS, mode },
      };
      const observed = new ArgoCDAdapter({} as KubeClient).observeObject(target, obj);
      assert.equal(observed.lastOperation?.revision, HAND);
    }
  });
});

describe("what a Kustomization's GitRepository tells Flux to fetch", () => {
  const repo = (ref: Record<string, string> | undefined) =>
    ({
      metadata: { name: "shop", namespace: "flux-system" },
      spec: { url: "https://git.example.com/shop.git", ...(ref === undefined ? {} : { ref }) },
    }) as KubeObject;
  const rows: { situation: string; ref: Record<string, string> | undefined; want: string }[] = [
    { situation: "the pinned commit", ref: { branch: "main", commit: OURS }, want: OURS },
    { situation: "a commit moved by hand", ref: { branch: "main", commit: HAND }, want: HAND },
    { situation: "the branch it follows once unpinned", ref: { branch: "main" }, want: "main" },
    { situation: "a tag over a branch", ref: { branch: "main", tag: "v1.2.0" }, want: "v1.2.0" },
    { situation: "a semver range over a tag", ref: { tag: "v1.2.0", semver: ">=1.0.0" }, want: ">=1.0.0" },
    {
      situation: "a reference name over a semver range",
      ref: { semver: "1.x", name: "refs/heads/x" },
      want: "refs/heads/x",
    },
    { situation: "Flux's default branch without a ref", ref: undefined, want: "master" },
  ];
  for (const row of rows) {
    it(row.situation, () => assert.equal(gitRepositoryRequest(repo(row.ref)), row.want));
  }
});
