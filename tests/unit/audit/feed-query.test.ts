// The feed's query string and cursor: every malformed parameter is refused naming it, and a cursor round-trips.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeCursor, encodeCursor } from "../../../src/audit/feed/cursor.js";
import { FeedQueryError, parseFeedQuery } from "../../../src/audit/feed/query.js";

const parse = (query: string) => parseFeedQuery(new URLSearchParams(query));

describe("feed cursor", () => {
  it("round-trips every position and is opaque", () => {
    for (const seq of [0, 1, 999, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeCursor(seq);
      assert.match(cursor, /^[A-Za-z0-9_-]+$/);
      assert.ok(!cursor.includes(String(seq)) || seq < 10, cursor);
      assert.equal(decodeCursor(cursor), seq);
    }
  });
});

describe("feed query", () => {
  it("parses a full query into the export filter", () => {
    const query = parse(
      `after=${encodeCursor(41)}&limit=7&since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z` +
        "&namespace=payments&environment=production&action=ChangeApproved,AdmissionDenied",
    );
    assert.equal(query.after, 41);
    assert.equal(query.limit, 7);
    assert.equal(query.filter.since?.toISOString(), "2026-12-01T00:00:00.000Z");
    assert.equal(query.filter.namespace, "payments");
    assert.equal(query.filter.environment, "production");
    assert.deepEqual([...(query.filter.actions ?? [])], ["ChangeApproved", "AdmissionDenied"]);
  });

  it("defaults to the first entry and 100 entries", () => {
    const query = parse("");
    assert.equal(query.after, 0);
    assert.equal(query.limit, 100);
  });

  const bad: [string, string, RegExp][] = [
    ["after=not%20a%20cursor", "after", /cursor/],
    ["after=", "after", /cursor/],
    [`after=${Buffer.from("other:12").toString("base64url")}`, "after", /version/],
    [`after=${Buffer.from("stagegate.audit.v1:-1").toString("base64url")}`, "after", /position/],
    [`after=${Buffer.from("stagegate.audit.v1:1e3").toString("base64url")}`, "after", /position/],
    [
      `after=${Buffer.from("stagegate.audit.v1:99999999999999999").toString("base64url")}`,
      "after",
      /position/,
    ],
    ["limit=0", "limit", /1 to 1000/],
    ["limit=1001", "limit", /1 to 1000/],
    ["limit=2.5", "limit", /whole number/],
    ["limit=ten", "limit", /whole number/],
    ["since=yesterday", "since", /RFC 3339/],
    ["until=2026-13-01T00:00:00Z", "until", /RFC 3339/],
    ["since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "until", /later than since/],
    ["namespace=Payments", "namespace", /namespace name/],
    ["action=changeApproved", "action", /CamelCase/],
    ["action=", "action", /CamelCase/],
    ["limit=5&limit=6", "limit", /more than once/],
    ["cursor=abc", "cursor", /not a parameter/],
    ["seq=5", "seq", /not a parameter/],
  ];
  for (const [query, parameter, message] of bad) {
    it(`refuses ${query} naming ${parameter}`, () => {
      assert.throws(
        () => parse(query),
        (err: unknown) =>
          err instanceof FeedQueryError && err.parameter === parameter && message.test(err.message),
      );
    });
  }
});
