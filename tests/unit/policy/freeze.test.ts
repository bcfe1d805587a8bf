import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freezesInForce, thawsAt, type FreezeSpec } from "../../../src/policy/freeze.js";

const at = (iso: string): Date => new Date(iso);
const freeze = (name: string, start: string, end: string): FreezeSpec => ({ name, start, end });

describe("release freezes", () => {
  const yearEnd = freeze("year-end", "2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z");
  const audit = freeze("audit", "2027-01-03T00:00:00Z", "2027-01-10T00:00:00Z");
  const later = freeze("later", "2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z");

  it("counts the start instant in and the end instant out", () => {
    assert.deepEqual(freezesInForce([yearEnd], at("2026-12-20T00:00:00Z")), [yearEnd]);
    assert.deepEqual(freezesInForce([yearEnd], at("2027-01-04T00:00:00Z")), []);
    assert.deepEqual(freezesInForce([yearEnd], at("2026-12-19T23:59:59.999Z")), []);
  });

  it("thaws at the end of the freeze in force, following freezes that overlap it", () => {
    assert.deepEqual(thawsAt([yearEnd, later], at("2026-12-25T00:00:00Z")), at("2027-01-04T00:00:00Z"));
    assert.deepEqual(
      thawsAt([yearEnd, audit, later], at("2026-12-25T00:00:00Z")),
      at("2027-01-10T00:00:00Z"),
    );
  });

  it("has no thaw when nothing is in force", () => {
    assert.equal(thawsAt([yearEnd, later], at("2026-12-01T00:00:00Z")), undefined);
    assert.equal(thawsAt([], at("2026-12-01T00:00:00Z")), undefined);
  });
});
