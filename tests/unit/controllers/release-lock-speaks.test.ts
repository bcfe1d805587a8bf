import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { releaseInFlightOn } from "../../../src/controllers/release/lock-speaks.js";
import { targetKey } from "../../../src/controllers/release/target-object.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const OLD = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";
const NEW = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const TARGET = { environment: "prod", argoCD: { name: "shop-prod", namespace: "argocd", revision: NEW } };
const KEY = targetKey({ ...TARGET, argoCD: { ...TARGET.argoCD, mode: "Sync" as const } }) ?? "";

/** The holder: its spec targets shop-prod at NEW; its stored prod entry is `entry`. */
function holder(entry?: { state: string; revision?: string }, targets: unknown[] = [TARGET]): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name: "shop-2", namespace: "team" },
    spec: {
      version: "2.0.0",
      source: { repoURL: "https://git.example.com/shop.git", revision: NEW },
      pipeline: ["prod"],
      targets,
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
    },
    status: entry === undefined ? {} : { environments: [{ name: "prod", ...entry }] },
  };
}

const rows: { situation: string; release: KubeObject | undefined; speaks: boolean }[] = [
  { situation: "no such release: a forgery", release: undefined, speaks: false },
  {
    situation: "a release that targets another object",
    release: holder(undefined, [{ ...TARGET, argoCD: { ...TARGET.argoCD, name: "cart-prod" } }]),
    speaks: false,
  },
  {
    situation: "its sync ran ahead of its status (stored Gated)",
    release: holder({ state: "Gated" }),
    speaks: true,
  },
  {
    situation: "deploying its revision",
    release: holder({ state: "Deploying", revision: NEW }),
    speaks: true,
  },
  {
    situation: "done with its revision there (Verified)",
    release: holder({ state: "Verified", revision: NEW }),
    speaks: false,
  },
  {
    situation: "failed with its revision there",
    release: holder({ state: "Failed", revision: NEW }),
    speaks: false,
  },
  {
    situation: "Verified at an older revision, promoting the new one",
    release: holder({ state: "Verified", revision: OLD }),
    speaks: true,
  },
];

describe("a lock speaks for its target only while its holder is in flight there", () => {
  for (const row of rows) {
    it(row.situation, () => assert.equal(releaseInFlightOn(row.release, KEY), row.speaks));
  }
});
