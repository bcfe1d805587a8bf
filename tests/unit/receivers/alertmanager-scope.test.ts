import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import type { AlertMatch } from "../../../src/receivers/alertmanager-match.js";
import { scopeAlert } from "../../../src/receivers/alertmanager-scope.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

function match(namespace: string): AlertMatch {
  const target = {
    environment: "prod",
    argoCD: { name: `${namespace}-prod`, namespace: "argocd", revision: SHA },
  };
  const spec = ReleaseSpec.parse({
    version: "1.0.0",
    source: { repoURL: "https://git.example.com/shop.git", revision: SHA, commits: [] },
    pipeline: ["prod"],
    targets: [target],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "olga" } },
  });
  return {
    release: { namespace, name: "shop", uid: `uid-${namespace}`, spec },
    environment: "prod",
    target: spec.targets[0]!,
    by: "label",
    deployed: true,
  };
}

const TEAMS = [match("team-a"), match("team-b")];
const kept = (labels: Record<string, string>) => {
  const scoped = scopeAlert(labels, TEAMS);
  return scoped.refusal === undefined ? scoped.matches.map((m) => m.release.namespace) : "refused";
};

describe("scopeAlert: an alert acts in one namespace at most", () => {
  const rows: [string, Record<string, string>, string[] | "refused"][] = [
    ["a bare release name matching two namespaces acts on none", { stagegate_release: "shop" }, "refused"],
    [
      "stagegate_namespace picks its namespace",
      { stagegate_release: "shop", stagegate_namespace: "team-b" },
      ["team-b"],
    ],
    ["namespace/name picks its namespace", { stagegate_release: "team-a/shop" }, ["team-a"]],
    [
      "two namespaces named (label and prefix) act on none",
      { stagegate_release: "team-a/shop", stagegate_namespace: "team-b" },
      "refused",
    ],
    ["the workload namespace label chooses between matches", { namespace: "team-a" }, ["team-a"]],
    ["a namespace label naming neither leaves it ambiguous", { namespace: "shop-prod" }, "refused"],
    ["a scope naming a third namespace matches nothing", { stagegate_namespace: "team-c" }, []],
  ];
  for (const [situation, labels, expected] of rows) {
    it(situation, () => assert.deepEqual(kept(labels), expected));
  }

  it("keeps every match in one namespace without any namespace label", () => {
    const scoped = scopeAlert({}, [match("team-a")]);
    assert.deepEqual(scoped.matches.length, 1);
  });

  it("says how to fix an ambiguous alert", () => {
    const scoped = scopeAlert({ stagegate_release: "shop" }, TEAMS);
    assert.match(scoped.refusal?.message ?? "", /stagegate_namespace/);
  });
});
