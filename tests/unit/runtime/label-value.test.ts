import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labelValue, MAX_LABEL_VALUE } from "../../../src/runtime/kube/label-value.js";

describe("labelValue", () => {
  it("keeps a name that fits, so ordinary selectors keep working", () => {
    assert.equal(labelValue("shop-1"), "shop-1");
    const exactly = "a".repeat(MAX_LABEL_VALUE);
    assert.equal(labelValue(exactly), exactly);
  });

  it("shortens a longer name to 63 characters with a hash, stable and distinct", () => {
    const name = "shop-2-prod-bg-b13439-rollback-3fa1c2d4e5f60718-20261126112614-emergency";
    const value = labelValue(name);
    assert.equal(value.length, MAX_LABEL_VALUE);
    assert.match(value, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(value.startsWith(name.slice(0, 54)));
    assert.equal(labelValue(name), value, "the same name always gives the same value");
    assert.notEqual(
      labelValue(`${name}-x`),
      value,
      "another long name with the same start gives another value",
    );
  });
});
