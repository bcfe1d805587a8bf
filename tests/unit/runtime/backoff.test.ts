import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff } from "../../../src/runtime/backoff.js";
import { jsonEqual } from "../../../src/runtime/deep-equal.js";
import { parseAddress } from "../../../src/runtime/http-server.js";

describe("Backoff", () => {
  it("doubles from the floor to the ceiling, with jitter of ±50%", () => {
    const middle = new Backoff(800, 30_000, () => 0.5);
    assert.deepEqual(
      Array.from({ length: 8 }, () => middle.next()),
      [800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000],
    );
    const low = new Backoff(800, 30_000, () => 0);
    assert.equal(low.next(), 400);
    const high = new Backoff(800, 30_000, () => 0.999);
    assert.ok(high.next() < 1200);
  });

  it("starts over after reset", () => {
    const backoff = new Backoff(100, 1000, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    assert.equal(backoff.next(), 100);
  });
});

describe("jsonEqual", () => {
  const rows: [string, unknown, unknown, boolean][] = [
    ["same scalars", 1, 1, true],
    ["different scalars", "a", "b", false],
    ["key order does not matter", { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ["an undefined field equals a missing one", { a: 1, b: undefined }, { a: 1 }, true],
    ["array order matters", [1, 2], [2, 1], false],
    ["nested difference", { c: [{ t: "Ready", s: "True" }] }, { c: [{ t: "Ready", s: "False" }] }, false],
    ["array versus object", [], {}, false],
    ["null versus object", null, {}, false],
  ];
  for (const [name, a, b, expected] of rows) {
    it(name, () => assert.equal(jsonEqual(a, b), expected));
  }
});

describe("parseAddress", () => {
  it("reads host:port and :port", () => {
    assert.deepEqual(parseAddress("127.0.0.1:8081"), { host: "127.0.0.1", port: 8081 });
    assert.deepEqual(parseAddress(":8080"), { host: undefined, port: 8080 });
    assert.deepEqual(parseAddress("[::1]:0"), { host: "::1", port: 0 });
  });

  it("names the fix for a bad address", () => {
    assert.throws(() => parseAddress("localhost"), /use host:port, for example :8081/);
    assert.throws(() => parseAddress(":99999"), /not a listen address/);
  });
});
