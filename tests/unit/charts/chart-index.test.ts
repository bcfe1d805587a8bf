// Reading a chart repository's index.yaml: what parses, what is refused with a reason, and which version a range
// selects (the highest within it; prereleases only when the range names one). Also whose credentials go where.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChartIndexError,
  parseChartIndex,
  selectChartVersion,
} from "../../../src/charts/chart-index.js";
import { basicAuthFor, indexURL } from "../../../src/charts/fetch-chart-index.js";

const SOURCE = "https://charts.example.com/index.yaml";
const digest = (c: string) => c.repeat(64);

const INDEX = `apiVersion: v1
entries:
  shop:
    - { name: shop, version: 2.0.0, digest: "${digest("2")}" }
    - { name: shop, version: 1.5.0-rc.1, digest: "${digest("r")}" }
    - { name: shop, version: 1.4.10, digest: "${digest("a")}" }
    - { name: shop, version: 1.4.2, digest: "${digest("b")}" }
    - { name: shop, version: 1.4.3-beta.1, digest: "${digest("c")}" }
    - { name: shop, version: 1.3.9, digest: "${digest("d")}" }
    - { name: shop, version: not-a-version }
  other:
    - { name: other, version: 9.9.9 }
generated: "2030-01-01T00:00:00Z"
`;

describe("chart repository index", () => {
  const index = parseChartIndex(INDEX, SOURCE);
  const selections: { range: string; version: string; digest?: string }[] = [
    { range: "1.4.x", version: "1.4.10", digest: digest("a") },
    { range: "~1.4.2", version: "1.4.10" },
    { range: "^1.4", version: "1.4.10" },
    { range: ">=1.4.0 <2.0.0", version: "1.4.10" },
    { range: ">=1.4.0", version: "2.0.0" },
    { range: "<1.4.0", version: "1.3.9" },
    { range: ">=1.4.3-beta.0 <1.4.4", version: "1.4.3-beta.1" },
    { range: "1.5.0-rc.0 - 1.5.0", version: "1.5.0-rc.1" },
  ];
  for (const row of selections) {
    it(`selects ${row.version} for "${row.range}"`, () => {
      const choice = selectChartVersion(index, "shop", row.range, SOURCE);
      assert.equal(choice.version, row.version);
      if (row.digest !== undefined) assert.equal(choice.digest, row.digest);
    });
  }

  it("names the newest versions when none satisfies the range", () => {
    assert.throws(
      () => selectChartVersion(index, "shop", "3.x", SOURCE),
      (err: unknown) =>
        err instanceof ChartIndexError &&
        /no version of chart shop in .* satisfies "3.x" \(newest listed: 2.0.0, 1.5.0-rc.1, 1.4.10/.test(
          err.message,
        ),
    );
  });

  it("leaves prereleases out of a range that does not name one", () => {
    assert.throws(() => selectChartVersion(index, "shop", "1.5.x", SOURCE), /satisfies "1.5.x"/);
  });

  it("refuses a chart the index does not list, and a range that is not one", () => {
    assert.throws(() => selectChartVersion(index, "payments", "1.x", SOURCE), /has no chart named payments/);
    assert.throws(
      () => selectChartVersion(index, "__proto__", "1.x", SOURCE),
      /has no chart named __proto__/,
    );
    assert.throws(() => selectChartVersion(index, "shop", "latest", SOURCE), /"latest" is not a semver range/);
  });

  it("records a digest only when it reads as one", () => {
    const odd = parseChartIndex(
      'apiVersion: v1\nentries:\n  shop:\n    - { version: 1.0.0, digest: "sha256 \\u001b[31m" }\n',
      SOURCE,
    );
    assert.deepEqual(selectChartVersion(odd, "shop", "1.x", SOURCE), { version: "1.0.0" });
  });

  const bad: { why: string; text: string; expect: RegExp }[] = [
    { why: "not YAML", text: "apiVersion: v1\nentries: [", expect: /index.yaml is not YAML/ },
    { why: "an HTML page", text: "<html>Not found</html>", expect: /is not a Helm chart repository index/ },
    { why: "another apiVersion", text: "apiVersion: v2\nentries: {}", expect: /apiVersion/ },
    { why: "entries a list", text: "apiVersion: v1\nentries: [1, 2]", expect: /entries/ },
    {
      why: "an alias bomb",
      text: `apiVersion: v1\na: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
        { length: 12 },
        (_, i) => `l${i}: &l${i} [${Array.from({ length: 10 }, () => (i === 0 ? "*a" : `*l${i - 1}`)).join(", ")}]`,
      ).join("\n")}\nentries: {}\n`,
      expect: /is not YAML/,
    },
  ];
  for (const row of bad) {
    it(`refuses an index that is ${row.why}, saying so`, () => {
      assert.throws(
        () => parseChartIndex(row.text, SOURCE),
        (err: unknown) => err instanceof ChartIndexError && row.expect.test(err.message),
      );
    });
  }

  it("refuses a chart listed malformed, naming the entry", () => {
    const malformed = parseChartIndex("apiVersion: v1\nentries:\n  shop:\n    - { name: shop }\n", SOURCE);
    assert.throws(
      () => selectChartVersion(malformed, "shop", "1.x", SOURCE),
      /lists chart shop malformed \(entries.shop.0.version/,
    );
  });

  it("reads index.yaml next to the repository URL, over http or https only", () => {
    assert.equal(indexURL("https://charts.example.com/stable/").href, "https://charts.example.com/stable/index.yaml");
    assert.equal(indexURL("http://127.0.0.1:8080").href, "http://127.0.0.1:8080/index.yaml");
    assert.throws(() => indexURL("oci://ghcr.io/acme/charts"), /not an http or https chart repository/);
    assert.throws(() => indexURL("file:///etc"), /not an http or https chart repository/);
  });

  it("sends basic auth only to the origin a credentials line names", () => {
    const file = [
      "https://robot:s%40cret@charts.example.com",
      "https://other:x@charts.example.org:8443",
      "not a url",
    ].join("\n");
    const expected = `Basic ${Buffer.from("robot:s@cret").toString("base64")}`;
    assert.equal(basicAuthFor(file, new URL("https://charts.example.com/stable/index.yaml")), expected);
    assert.equal(basicAuthFor(file, new URL("http://charts.example.com/index.yaml")), undefined);
    assert.equal(basicAuthFor(file, new URL("https://charts.example.org/index.yaml")), undefined);
    assert.equal(basicAuthFor(file, new URL("https://evil.example.net/index.yaml")), undefined);
  });
});
