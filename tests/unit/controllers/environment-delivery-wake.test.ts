import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EnvironmentDelivery } from "../../../src/api/v1alpha1/environment.js";
import {
  deliveryObjectEventKeys,
  deliveryObjectSeen,
  deliveryOverlaps,
  holdersOf,
} from "../../../src/controllers/environment/delivery-overlap.js";
import type { InformerEvent } from "../../../src/runtime/informer/informer.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

/** `everything` owns every Application in argocd, `shop` those labelled team=shop there, `elsewhere` another namespace. */
const SCOPES = new Map<string, EnvironmentDelivery>([
  ["everything", { argoCDApplications: { namespaces: ["argocd"], matchLabels: {} } }],
  ["shop", { argoCDApplications: { namespaces: ["argocd"], matchLabels: { team: "shop" } } }],
  ["elsewhere", { argoCDApplications: { namespaces: ["other"], matchLabels: {} } }],
]);
const SHARED = ["everything", "shop"];

function application(
  labels: Record<string, string> | undefined,
  status: Record<string, unknown> = { sync: { status: "Synced", revision: "a" } },
): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "shop", namespace: "argocd", ...(labels === undefined ? {} : { labels }) },
    spec: { source: { targetRevision: "main" } },
    status,
  };
}

const shared = application({ team: "shop" });
const ownedByOne = application({ team: "payments" });
const unlabelled = application(undefined);

describe("Which delivery object events wake the Environments (only those whose overlap the event can change)", () => {
  const keys = deliveryObjectEventKeys("Application", () => SCOPES);

  const rows: { situation: string; event: InformerEvent; wakes: string[] }[] = [
    { situation: "a shared object created", event: { type: "added", object: shared }, wakes: SHARED },
    { situation: "a shared object deleted", event: { type: "deleted", object: shared }, wakes: SHARED },
    { situation: "a shared object re-delivered", event: { type: "resync", object: shared }, wakes: SHARED },
    { situation: "an object one owns created", event: { type: "added", object: ownedByOne }, wakes: [] },
    { situation: "an object one owns deleted", event: { type: "deleted", object: unlabelled }, wakes: [] },
    {
      situation: "an object one owns re-delivered",
      event: { type: "resync", object: ownedByOne },
      wakes: [],
    },
    {
      situation: "an object relabelled into a second scope",
      event: { type: "updated", object: shared, old: ownedByOne },
      wakes: SHARED,
    },
    {
      situation: "an object relabelled out of a second scope",
      event: { type: "updated", object: unlabelled, old: shared },
      wakes: SHARED,
    },
    {
      situation: "an object relabelled while one environment owns it before and after",
      event: { type: "updated", object: unlabelled, old: ownedByOne },
      wakes: [],
    },
    {
      situation: "a shared object's status and spec changed (a GitOps tool's sync)",
      event: {
        type: "updated",
        object: { ...application({ team: "shop" }, { sync: { status: "OutOfSync" } }), spec: { v: 2 } },
        old: shared,
      },
      wakes: [],
    },
    {
      situation: "an update without the old copy (who held it before is unknown)",
      event: { type: "updated", object: ownedByOne },
      wakes: ["everything", "shop", "elsewhere"],
    },
  ];
  for (const row of rows) {
    it(`${row.situation}: wakes ${row.wakes.length === 0 ? "none" : row.wakes.join(", ")}`, () => {
      assert.deepEqual([...keys(row.event)].sort(), [...row.wakes].sort());
    });
  }

  it("wakes exactly the environments whose overlap differs before and after, for every pair of label sets", () => {
    const versions = [undefined, shared, ownedByOne, unlabelled];
    const overlapOf = (env: string, obj: KubeObject | undefined): string =>
      JSON.stringify(
        obj === undefined ? [] : deliveryOverlaps(env, SCOPES, [deliveryObjectSeen("Application", obj)]),
      );
    for (const before of versions) {
      for (const after of versions) {
        if (before === undefined && after === undefined) continue;
        const event: InformerEvent =
          before === undefined
            ? { type: "added", object: after as KubeObject }
            : after === undefined
              ? { type: "deleted", object: before }
              : { type: "updated", object: after, old: before };
        const changed = [...SCOPES.keys()].filter((env) => overlapOf(env, before) !== overlapOf(env, after));
        const woken = new Set(keys(event));
        for (const env of changed) assert.ok(woken.has(env), `${env} must wake (${JSON.stringify(event)})`);
      }
    }
  });
});

describe("holdersOf", () => {
  it("names every environment whose scope holds the object", () => {
    assert.deepEqual(holdersOf(SCOPES, deliveryObjectSeen("Application", shared)), SHARED);
    assert.deepEqual(holdersOf(SCOPES, deliveryObjectSeen("Application", ownedByOne)), ["everything"]);
    assert.deepEqual(holdersOf(SCOPES, deliveryObjectSeen("Kustomization", shared)), []);
  });
});
