// The dashboard's label filters: `-l` syntax limited to the delivery dimensions, normalised for the API server and
// judged locally for watch events; every malformed or unknown filter is refused with a sentence naming it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { filterQuery, parsePageFilter } from "../../../src/dashboard/query.js";
import {
  BadFilterError,
  formatSelector,
  matchesSelector,
  parseDimensionSelector,
} from "../../../src/dashboard/selector.js";

describe("parseDimensionSelector", () => {
  const accepted: [input: string, normalised: string][] = [
    ["", ""],
    ["stagegate.io/team=payments", "stagegate.io/team=payments"],
    ["team==payments", "stagegate.io/team=payments"],
    ["team=payments, region!=eu", "stagegate.io/team=payments,stagegate.io/region!=eu"],
    ["customerImpact in (high, medium)", "stagegate.io/customer-impact in (high,medium)"],
    ["stagegate.io/tenant notin (acme)", "stagegate.io/tenant notin (acme)"],
    ["tags.stagegate.io/hotfix", "tags.stagegate.io/hotfix"],
    ["!stagegate.io/service", "!stagegate.io/service"],
  ];
  for (const [input, normalised] of accepted) {
    it(`reads "${input}" as "${normalised}"`, () => {
      assert.equal(formatSelector(parseDimensionSelector(input)), normalised);
    });
  }

  const refused: [input: string, names: RegExp][] = [
    ["app=web", /"app" is not a label the dashboard filters by/],
    ["kubernetes.io/metadata.name=x", /"kubernetes\.io\/metadata\.name" is not a label/],
    ["team=pay ments", /"team=pay ments" is not a label selector requirement/],
    ["team in (a,b", /leaves a parenthesis open/],
    ["team=a)", /closes a parenthesis it never opened/],
    ["team=<script>", /"<script>" is not a label value for stagegate\.io\/team/],
    ["team=a-", /"a-" is not a label value for stagegate\.io\/team/],
  ];
  for (const [input, names] of refused) {
    it(`refuses "${input}", naming what is wrong`, () => {
      assert.throws(
        () => parseDimensionSelector(input),
        (err: unknown) => {
          assert.ok(err instanceof BadFilterError);
          assert.match(err.message, names);
          return true;
        },
      );
    });
  }
});

describe("matchesSelector", () => {
  const labels = { "stagegate.io/team": "payments", "tags.stagegate.io/hotfix": "true" };
  const table: [selector: string, matches: boolean][] = [
    ["", true],
    ["team=payments", true],
    ["team=billing", false],
    ["team!=billing", true],
    ["team in (billing,payments)", true],
    ["team notin (payments)", false],
    ["region notin (eu)", true],
    ["tags.stagegate.io/hotfix", true],
    ["!tags.stagegate.io/hotfix", false],
    ["region", false],
  ];
  for (const [selector, matches] of table) {
    it(`${matches ? "matches" : "does not match"} "${selector}"`, () => {
      assert.equal(matchesSelector(parseDimensionSelector(selector), labels), matches);
    });
  }
});

describe("parsePageFilter", () => {
  it("reads namespaces (repeated or comma-separated) and the selector, and writes them back", () => {
    const filter = parsePageFilter(new URLSearchParams("namespace=b,a&namespace=c&selector=team%3Dpayments"));
    assert.deepEqual(filter.namespaces, ["a", "b", "c"]);
    assert.equal(filter.selector, "stagegate.io/team=payments");
    assert.equal(filterQuery(filter), "?namespace=a%2Cb%2Cc&selector=stagegate.io%2Fteam%3Dpayments");
  });

  const refused: [query: string, names: RegExp][] = [
    ["labelSelector=x", /unknown query parameter "labelSelector"; this page takes namespace and selector/],
    ["l=a&x=b", /unknown query parameters "l", "x"/],
    ["namespace=Bad_NS", /"Bad_NS" is not a namespace name/],
    ["selector=a%3Db&selector=c", /give selector once/],
    ["selector=owner%3Dme", /"owner" is not a label the dashboard filters by/],
  ];
  for (const [query, names] of refused) {
    it(`refuses ?${query}`, () => {
      assert.throws(() => parsePageFilter(new URLSearchParams(query)), names);
    });
  }
});
