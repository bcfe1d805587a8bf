import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { kubectl } from "../../support/cluster.js";
import { createNamespace, deleteNamespace, installStagegateCrds, uniqueSuffix } from "./api-test-helpers.js";
import {
  INVALID_MANIFESTS as rows,
  VALID_SPECS as valid,
  type Kind,
  type Spec,
} from "./invalid-manifests.js";

function manifest(kind: Kind, name: string, spec: Spec | undefined): string {
  return JSON.stringify({ apiVersion: API_VERSION, kind, metadata: { name }, ...(spec ? { spec } : {}) });
}

describe("the real API server rejects invalid Stagegate objects", () => {
  let namespace = "";
  const suffix = uniqueSuffix();
  before(async () => {
    await installStagegateCrds();
    namespace = await createNamespace("api-validation");
  });
  after(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  it("has at least 20 rows, each kind covered", () => {
    assert.ok(rows.length >= 20);
    for (const kind of Object.keys(valid))
      assert.ok(
        rows.some((row) => row.kind === kind),
        kind,
      );
  });

  for (const kind of Object.keys(valid) as Kind[]) {
    it(`accepts the valid ${kind} every row starts from`, async () => {
      const name = `valid-${kind.toLowerCase()}-${suffix}`;
      const result = await kubectl("admin", ["create", "--dry-run=server", "-n", namespace, "-f", "-"], {
        input: manifest(kind, name, valid[kind]()),
      });
      assert.equal(result.code, 0, result.stderr);
    });
  }

  rows.forEach((row, index) => {
    it(`rejects ${row.case} (${row.kind}), naming ${row.field}`, async () => {
      const name = `invalid-${index}-${suffix}`;
      const result = await kubectl("admin", ["create", "-n", namespace, "-f", "-"], {
        input: manifest(row.kind, name, row.change(valid[row.kind](), name)),
      });
      assert.notEqual(result.code, 0, `the API server accepted ${row.case}`);
      assert.ok(
        result.stderr.includes(`${row.field}:`),
        `error does not name ${row.field}: ${result.stderr}`,
      );
      assert.ok(result.stderr.includes(row.message), `error does not say "${row.message}": ${result.stderr}`);
    });
  });
});
