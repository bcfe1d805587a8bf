import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import {
  RELEASES_BY_TARGET,
  currentClaim,
  releaseTargetKeys,
} from "../../../src/controllers/release/target-claims.js";
import { targetKey } from "../../../src/controllers/release/target-object.js";
import {
  matchAlert,
  releaseCandidates,
  selectorMatches,
  type CurrentRelease,
  type ReleaseCandidate,
} from "../../../src/receivers/alertmanager-match.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SELECTOR = { namespace: "shop-prod", app: "shop" };

function releaseSpec(targets: Record<string, unknown>[]): Record<string, unknown> {
  return {
    version: "1.4.0",
    source: { repoURL: "https://git.example.com/shop.git", revision: SHA, commits: [] },
    pipeline: ["staging", "prod"],
    targets,
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "olga" } },
  };
}

const prodTarget = (app = "shop-prod", selector: Record<string, string> | null = SELECTOR) => ({
  environment: "prod",
  argoCD: { name: app, namespace: "argocd", revision: SHA },
  ...(selector === null ? {} : { alertSelector: { matchLabels: selector } }),
});
const stagingTarget = {
  environment: "staging",
  argoCD: { name: "shop-staging", namespace: "argocd", revision: SHA },
  alertSelector: { matchLabels: { namespace: "shop-staging", app: "shop" } },
};

function candidate(name: string, targets: Record<string, unknown>[], namespace = "shop"): ReleaseCandidate {
  return { namespace, name, uid: `uid-${name}`, spec: ReleaseSpec.parse(releaseSpec(targets)) };
}

/** Every release deployed wherever it has a target: the claim of each object is the release naming it. */
const everyoneDeployed =
  (releases: ReleaseCandidate[]): CurrentRelease =>
  (key) => {
    for (const r of releases) {
      const t = r.spec.targets.find((target) => targetKey(target) === key);
      if (t !== undefined) {
        return {
          release: `${r.namespace}/${r.name}`,
          environment: t.environment,
          revision: SHA,
          state: "Verified",
        };
      }
    }
    return undefined;
  };

const summary = (matches: ReturnType<typeof matchAlert>) =>
  matches.map((m) => [`${m.release.namespace}/${m.release.name}`, m.environment, m.by, m.deployed]);

describe("matching alerts to releases", () => {
  it("a selector matches only when the alert carries every label with exactly that value", () => {
    const table: [Record<string, string>, boolean][] = [
      [{ namespace: "shop-prod", app: "shop" }, true],
      [{ namespace: "shop-prod", app: "shop", severity: "page", alertname: "HighErrorRate" }, true],
      [{ namespace: "shop-prod" }, false],
      [{ namespace: "shop-prod", app: "Shop" }, false],
      [{ namespace: "shop-prod", app: "" }, false],
      [{}, false],
    ];
    for (const [labels, expected] of table) {
      assert.equal(selectorMatches(SELECTOR, labels), expected, JSON.stringify(labels));
    }
    assert.equal(selectorMatches({}, { app: "shop" }), false, "an empty selector matches nothing");
  });

  it("matches the target whose selector the alert satisfies, with extra labels", () => {
    const shop = candidate("shop-1", [stagingTarget, prodTarget()]);
    const labels = { alertname: "HighErrorRate", severity: "page", ...SELECTOR };
    assert.deepEqual(summary(matchAlert(labels, [shop], everyoneDeployed([shop]))), [
      ["shop/shop-1", "prod", "alertSelector", true],
    ]);
  });

  it("does not match when a selector label is missing or differs", () => {
    const shop = candidate("shop-1", [prodTarget()]);
    const current = everyoneDeployed([shop]);
    assert.deepEqual(matchAlert({ app: "shop" }, [shop], current), []);
    assert.deepEqual(matchAlert({ namespace: "shop-prod", app: "cart" }, [shop], current), []);
  });

  it("never matches a target without a selector by its labels alone", () => {
    const shop = candidate("shop-1", [prodTarget("shop-prod", null)]);
    assert.deepEqual(matchAlert(SELECTOR, [shop], everyoneDeployed([shop])), []);
  });

  it("matches an explicit stagegate_release with stagegate_environment, as name or namespace/name", () => {
    const shop = candidate("shop-1", [stagingTarget, prodTarget("shop-prod", null)]);
    const other = candidate("shop-1", [prodTarget("other-prod", null)], "other");
    const current = everyoneDeployed([shop, other]);
    assert.deepEqual(
      summary(
        matchAlert(
          { stagegate_release: "shop/shop-1", stagegate_environment: "prod" },
          [shop, other],
          current,
        ),
      ),
      [["shop/shop-1", "prod", "label", true]],
    );
    assert.deepEqual(
      summary(
        matchAlert({ stagegate_release: "shop-1", stagegate_environment: "prod" }, [shop, other], current),
      ),
      [
        ["other/shop-1", "prod", "label", true],
        ["shop/shop-1", "prod", "label", true],
      ],
      "a bare name matches that name in every namespace served",
    );
    assert.deepEqual(matchAlert({ stagegate_release: "shop/shop-1" }, [shop], current), [], "no environment");
    assert.deepEqual(
      matchAlert({ stagegate_release: "shop/shop-1", stagegate_environment: "dev" }, [shop], current),
      [],
      "an environment the release has no target in",
    );
    assert.deepEqual(
      matchAlert({ stagegate_release: "shop/shop-2", stagegate_environment: "prod" }, [shop], current),
      [],
    );
  });

  it("reports a release matched both ways once", () => {
    const shop = candidate("shop-1", [prodTarget()]);
    const labels = { ...SELECTOR, stagegate_release: "shop-1", stagegate_environment: "prod" };
    assert.deepEqual(summary(matchAlert(labels, [shop], everyoneDeployed([shop]))), [
      ["shop/shop-1", "prod", "alertSelector", true],
    ]);
  });

  it("marks a match deployed only for the release currently deployed to that environment's object", () => {
    const old = candidate("shop-1", [prodTarget()]);
    const current = candidate("shop-2", [prodTarget()]);
    const claimedByShop2: CurrentRelease = () => ({
      release: "shop/shop-2",
      environment: "prod",
      revision: SHA,
      state: "Verified",
    });
    const matches = matchAlert(SELECTOR, [current, old], claimedByShop2);
    assert.deepEqual(summary(matches), [
      ["shop/shop-1", "prod", "alertSelector", false],
      ["shop/shop-2", "prod", "alertSelector", true],
    ]);
    assert.equal(matches[0]?.current, "shop/shop-2 (prod)");
    const nobody = matchAlert(SELECTOR, [old], () => undefined);
    assert.deepEqual(summary(nobody), [["shop/shop-1", "prod", "alertSelector", false]]);
    assert.equal(nobody[0]?.current, undefined);
  });

  it("a claim for the same object in another environment is not deployed here", () => {
    const shop = candidate("shop-1", [prodTarget()]);
    const elsewhere: CurrentRelease = () => ({
      release: "shop/shop-1",
      environment: "staging",
      revision: SHA,
      state: "Verified",
    });
    assert.equal(matchAlert(SELECTOR, [shop], elsewhere)[0]?.deployed, false);
  });

  it("finds the deployed release from the releases cache with currentClaim", () => {
    const store = new ObjectStore();
    store.addIndex(RELEASES_BY_TARGET, releaseTargetKeys);
    const release = (name: string, state: string, deployStartedAt: string): KubeObject => ({
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Release",
      metadata: { name, namespace: "shop", uid: `uid-${name}` },
      spec: releaseSpec([prodTarget()]),
      status: { environments: [{ name: "prod", state, revision: SHA, deployStartedAt }] },
    });
    store.upsert(release("shop-1", "Verified", "2026-11-20T09:00:00Z"));
    store.upsert(release("shop-2", "Verified", "2026-11-25T09:00:00Z"));
    store.upsert(release("shop-3", "Gated", "2026-11-26T09:00:00Z"));
    store.upsert({ ...release("broken", "Verified", "2026-11-26T09:00:00Z"), spec: { version: 1 } });
    const candidates = releaseCandidates(store.list());
    assert.deepEqual(
      candidates.map((c) => c.name).sort(),
      ["shop-1", "shop-2", "shop-3"],
      "unparsable spec left out",
    );
    const matches = matchAlert(SELECTOR, candidates, (key) => currentClaim(store, key));
    assert.deepEqual(
      matches.map((m) => [m.release.name, m.deployed]),
      [
        ["shop-1", false],
        ["shop-2", true],
        ["shop-3", false],
      ],
      "only shop-2, the last to promote there, is deployed; shop-3 waits at the gate",
    );
  });
});
