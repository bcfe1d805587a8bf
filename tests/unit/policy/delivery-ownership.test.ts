import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeliveryScope } from "../../../src/api/v1alpha1/environment.js";
import { scopeHolds, targetOwnership } from "../../../src/policy/delivery-ownership.js";

const app = (name: string, labels?: Record<string, string>) => ({
  kind: "Application" as const,
  namespace: "argocd",
  name,
  labels,
});

describe("a delivery scope that lists names", () => {
  const scope = DeliveryScope.parse({
    namespaces: ["argocd"],
    matchLabels: { "stagegate.io/environment": "dev" },
    names: ["shop-dev"],
  });

  it("holds a listed object that carries the labels", () => {
    assert.equal(scopeHolds(scope, app("shop-dev", { "stagegate.io/environment": "dev" })), true);
  });

  it("does not hold an object relabelled into the environment", () => {
    assert.equal(scopeHolds(scope, app("shop-prod", { "stagegate.io/environment": "dev" })), false);
  });

  it("still asks for the labels of a listed object", () => {
    assert.equal(scopeHolds(scope, app("shop-dev", {})), false);
  });

  it("names the list and the fix when it refuses", () => {
    const found = targetOwnership(
      "dev",
      { argoCDApplications: scope },
      app("shop-prod", { "stagegate.io/environment": "dev" }),
    );
    assert.equal(found.pass, false);
    assert.match(
      found.message,
      /owns only the Argo CD Applications named in spec\.delivery\.argoCDApplications\.names \(shop-dev\), not Argo CD Application argocd\/shop-prod/,
    );
  });

  it("refuses an empty list (say nothing to own every name)", () => {
    assert.equal(DeliveryScope.safeParse({ namespaces: ["argocd"], names: [] }).success, false);
  });
});
