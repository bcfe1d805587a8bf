import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  MAX_SHARED_STRING_LENGTH,
  SHARED_EMPTY_LIST,
  shareStrings,
} from "../../../src/runtime/informer/shared-strings.js";

/** An object as JSON.parse gives it: nested objects, lists of strings and of objects, numbers, booleans, nulls. */
function parsed(): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      metadata: {
        name: "rel-1",
        uid: "6c0e-uid",
        labels: { "stagegate.io/release": "rel-1" },
        generation: 2,
      },
      spec: {
        pipeline: ["staging", "prod"],
        targets: [
          {
            environment: "prod",
            argoCD: { name: "app", revision: "1b1b1b1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2" },
          },
        ],
        empty: [],
        nothing: null,
        flag: true,
        "": "",
        "0": "zero",
        __proto__like: "__proto__",
        long: "x".repeat(MAX_SHARED_STRING_LENGTH + 1),
      },
    }),
  ) as Record<string, unknown>;
}

describe("shareStrings (ADR 0051, 0058)", () => {
  it("leaves the object deep-equal to what it was, and returns it", () => {
    const object = parsed();
    const before = structuredClone(object);
    assert.equal(shareStrings(object), object);
    assert.deepEqual(object, before);
    assert.deepEqual(Object.keys(object.spec as object), Object.keys(before.spec as object), "keys in order");
  });

  it("makes every empty list, in objects and in lists, the one frozen empty list (ADR 0058)", () => {
    const object = shareStrings(
      JSON.parse('{"a":[],"b":{"c":[]},"d":[[],["x"]],"e":["y"]}') as Record<string, unknown>,
    );
    assert.deepEqual(object, { a: [], b: { c: [] }, d: [[], ["x"]], e: ["y"] });
    const { a, b, d, e } = object as { a: unknown; b: { c: unknown }; d: unknown[]; e: unknown[] };
    assert.equal(a, SHARED_EMPTY_LIST);
    assert.equal(b.c, SHARED_EMPTY_LIST);
    assert.equal(d[0], SHARED_EMPTY_LIST);
    assert.notEqual(e, SHARED_EMPTY_LIST, "a list with items is kept");
    assert.ok(Object.isFrozen(SHARED_EMPTY_LIST));
    assert.throws(() => (a as unknown[]).push(1), TypeError, "no reader can add to the shared list");
    assert.deepEqual(SHARED_EMPTY_LIST, []);
    const frozen = Object.freeze({ list: [] as unknown[] });
    shareStrings(frozen);
    assert.notEqual(frozen.list, SHARED_EMPTY_LIST, "a frozen object is not written to");
  });

  it("keeps strings that look like property names of Object.prototype or array indexes as they were", () => {
    const object = shareStrings({ a: "__proto__", b: "constructor", c: "42", d: "toString", e: "" });
    assert.deepEqual(object, { a: "__proto__", b: "constructor", c: "42", d: "toString", e: "" });
    assert.equal(Object.getPrototypeOf(object), Object.prototype);
  });

  it("walks into frozen objects without writing to them", () => {
    const inner = { name: "app" };
    const frozen = Object.freeze({ kind: "Application", spec: inner });
    assert.doesNotThrow(() => shareStrings(frozen));
    assert.deepEqual(frozen, { kind: "Application", spec: { name: "app" } });
  });

  it("keeps one copy of a string repeated across separately parsed objects", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    // 2,000 objects, each with its own parsed copies of the same ten 120-character strings (about 2.6 MB of them).
    const text = JSON.stringify(
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `${i}`.repeat(120)])),
    );
    const heapOf = (share: boolean): number => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const kept = Array.from({ length: 2000 }, () => {
        const object = JSON.parse(text) as Record<string, string>;
        return share ? shareStrings(object) : object;
      });
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      assert.equal(kept.length, 2000);
      return grown;
    };
    const copies = heapOf(false);
    const shared = heapOf(true);
    assert.ok(copies > 2_000_000, `the copies take ${copies} bytes`);
    assert.ok(shared < copies / 3, `shared: ${shared} bytes, copies: ${copies} bytes`);
  });

  it("returns values that are not objects as they are", () => {
    assert.equal(shareStrings("text"), "text");
    assert.equal(shareStrings(null), null);
    assert.equal(shareStrings(7), 7);
  });
});
