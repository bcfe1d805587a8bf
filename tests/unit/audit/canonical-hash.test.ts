import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CanonicalJsonError,
  GENESIS_HASH,
  canonicalJson,
  hashAuditEntry,
  sha256Hex,
} from "../../../src/audit/canonical-hash.js";

describe("canonicalJson", () => {
  const rows: [string, unknown, string][] = [
    ["scalars", [null, true, false, 0, -1.5, "a"], '[null,true,false,0,-1.5,"a"]'],
    ["keys sorted, no whitespace", { b: 1, a: 2 }, '{"a":2,"b":1}'],
    [
      "keys sorted recursively, inside arrays too",
      { z: [{ y: 1, x: 2 }], a: { d: 1, c: 2 } },
      '{"a":{"c":2,"d":1},"z":[{"x":2,"y":1}]}',
    ],
    ["array order kept", [3, 1, 2], "[3,1,2]"],
    [
      "keys sorted by UTF-16 code units",
      { é: 1, z: 2, Z: 3, "10": 4, "9": 5 },
      '{"10":4,"9":5,"Z":3,"z":2,"é":1}',
    ],
    ["strings escaped as JSON does", { s: 'quote " and \n newline' }, '{"s":"quote \\" and \\n newline"}'],
    ["undefined members dropped, as JSON.stringify does", { a: undefined, b: 1 }, '{"b":1}'],
    ["a __proto__ key from JSON.parse is kept", JSON.parse('{"__proto__":{"x":1}}'), '{"__proto__":{"x":1}}'],
    ["numbers in their shortest form", [1e21, 0.1, 1.0, -0], "[1e+21,0.1,1,0]"],
  ];
  for (const [name, value, expected] of rows) {
    it(name, () => assert.equal(canonicalJson(value), expected));
  }

  const refused: [string, unknown][] = [
    ["NaN", { n: Number.NaN }],
    ["Infinity", [Number.POSITIVE_INFINITY]],
    ["a bigint", { n: 1n }],
    ["a function", { f: () => 1 }],
  ];
  for (const [name, value] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => canonicalJson(value), CanonicalJsonError));
  }

  it("refuses a value that contains itself, but not a value repeated side by side", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => canonicalJson(cycle), /contains itself/);
    const shared = { x: 1 };
    assert.equal(canonicalJson([shared, shared]), '[{"x":1},{"x":1}]');
  });
});

describe("hashAuditEntry", () => {
  const entry = {
    seq: 1,
    time: "2026-11-26T08:00:00.000Z",
    actor: "alice",
    action: "DecisionRecorded",
    object: { kind: "Approval", name: "r-1" },
    details: { decision: "Approve", comment: "ok" },
    prevHash: GENESIS_HASH,
  };

  it("is the SHA-256 of the canonical JSON of the entry without its hash", () => {
    assert.equal(hashAuditEntry(entry), sha256Hex(canonicalJson(entry)));
    assert.match(hashAuditEntry(entry), /^[0-9a-f]{64}$/);
  });

  it("ignores the hash field and the key order, and changes with any value", () => {
    const reordered = { ...entry, details: { comment: "ok", decision: "Approve" } };
    assert.equal(hashAuditEntry({ ...reordered, hash: "anything" }), hashAuditEntry(entry));
    assert.notEqual(
      hashAuditEntry({ ...entry, details: { ...entry.details, comment: "ok." } }),
      hashAuditEntry(entry),
    );
  });

  it("uses 64 zeros as the genesis hash", () => assert.equal(GENESIS_HASH, "0".repeat(64)));
});
