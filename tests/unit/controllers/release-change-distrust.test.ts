import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { changeDistrust } from "../../../src/controllers/release/gather.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { UID, bindingOf } from "./release-fixtures.js";

const binding = bindingOf("prod");

/** A change as the operator opens it for the fixture release's prod gate, with `spec` changes. */
function change(spec: Record<string, unknown> = {}, owner = UID): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "ChangeRequest",
    metadata: {
      name: "shop-prod-x",
      namespace: "team",
      ownerReferences: [{ apiVersion: "stagegate.io/v1alpha1", kind: "Release", name: "shop", uid: owner }],
    },
    spec: {
      releaseRef: { name: "shop" },
      environment: "prod",
      type: "Normal",
      justification: "Release shop to prod.",
      plannedWindow: { start: "2030-01-01T00:00:00Z", end: "2030-01-02T00:00:00Z" },
      requestedBy: { username: "stagegate-operator", groups: [] },
      binding,
      ...spec,
    },
  };
}

const rows: { situation: string; obj: KubeObject; why: RegExp | undefined }[] = [
  { situation: "the operator's own change for this binding", obj: change(), why: undefined },
  {
    situation: "requested by a person",
    obj: change({ requestedBy: { username: "dave", groups: [] } }),
    why: /requested by dave/,
  },
  {
    situation: "owned by another release UID",
    obj: change({}, "another-uid"),
    why: /not owned by release shop/,
  },
  {
    situation: "sent through another environment's policy",
    obj: change({ environment: "dev" }),
    why: /spec.environment is dev/,
  },
  {
    situation: "turned into a pre-approved Standard change",
    obj: change({ type: "Standard" }),
    why: /of type Standard/,
  },
  {
    situation: "bound to another commit",
    obj: change({ binding: { ...binding, artifact: { commit: "f".repeat(40), digests: [] } } }),
    why: /bound to commit f+/,
  },
];

describe("which change may open a gate", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const why = changeDistrust(row.obj, binding, "stagegate-operator");
      if (row.why === undefined) assert.equal(why, undefined);
      else assert.match(why ?? "", row.why);
    });
  }
});
