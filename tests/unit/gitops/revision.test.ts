import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { revisionDigest, revisionsMatch } from "../../../src/gitops/revision.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

describe("revisionDigest", () => {
  const rows: [string, string][] = [
    [`main@sha1:${SHA}`, SHA],
    [`main@sha1:${SHA.toUpperCase()}`, SHA],
    [`sha1:${SHA}`, SHA],
    [`main/${SHA}`, SHA],
    [`v1.2.0@sha256:abc123`, "abc123"],
    [SHA, SHA],
    ["v1.2.0", "v1.2.0"],
  ];
  for (const [input, digest] of rows) {
    it(`${input} -> ${digest}`, () => assert.equal(revisionDigest(input), digest));
  }
});

describe("revisionsMatch", () => {
  const rows: { a: string | undefined; b: string | undefined; match: boolean; why: string }[] = [
    { a: SHA, b: `main@sha1:${SHA}`, match: true, why: "Flux revision against a bare SHA" },
    { a: SHA.slice(0, 7), b: `main@sha1:${SHA}`, match: true, why: "seven-digit abbreviation" },
    { a: SHA.slice(0, 6), b: SHA, match: false, why: "six digits are too short to abbreviate" },
    { a: `main/${SHA}`, b: `main@sha1:${SHA}`, match: true, why: "legacy Flux format" },
    { a: SHA, b: "0".repeat(40), match: false, why: "different commits" },
    { a: "1.2.0", b: "1.2.0", match: true, why: "equal chart versions" },
    { a: "1.2.0", b: "1.2.1", match: false, why: "different chart versions" },
    { a: "abc1234", b: "abc12345", match: true, why: "hex prefix" },
    { a: undefined, b: SHA, match: false, why: "nothing observed" },
    { a: "", b: "", match: false, why: "empty revisions name nothing" },
  ];
  for (const row of rows) {
    it(row.why, () => {
      assert.equal(revisionsMatch(row.a, row.b), row.match);
      assert.equal(revisionsMatch(row.b, row.a), row.match, "symmetric");
    });
  }
});
