import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outOfScope, parseScopedTokenFile, TokenFileError } from "../../../src/receivers/token-scope.js";

const SECRET = "0123456789abcdef0123";

describe("scoped receiver tokens", () => {
  it("reads names, tokens and scopes", () => {
    const tokens = parseScopedTokenFile(
      [
        "tokens:",
        `  - name: shop-ci`,
        `    token: ${SECRET}`,
        "    namespaces: [shop]",
        "    releases: [shop-1]",
        "    sources: [https://ci.example.com/shop]",
      ].join("\n"),
      "/tokens",
    );
    assert.deepEqual(tokens, [
      {
        name: "shop-ci",
        token: SECRET,
        namespaces: ["shop"],
        releases: ["shop-1"],
        sources: ["https://ci.example.com/shop"],
      },
    ]);
  });

  const bad: [string, string, RegExp][] = [
    [
      "bare tokens, the format before scopes",
      `${SECRET}\nanother-token-0123456\n`,
      /bare tokens without a scope.*name and its namespaces/,
    ],
    ["a token without namespaces", `tokens: [{ name: a, token: ${SECRET} }]`, /tokens\.0\.namespaces/],
    [
      "an empty namespace list",
      `tokens: [{ name: a, token: ${SECRET}, namespaces: [] }]`,
      /namespaces must name at least one/,
    ],
    ["a short token", "tokens: [{ name: a, token: short, namespaces: [shop] }]", /at least 16 characters/],
    [
      "a name that is not a DNS label",
      `tokens: [{ name: "Shop CI", token: ${SECRET}, namespaces: [shop] }]`,
      /DNS label/,
    ],
    [
      "a name used twice",
      `tokens: [{ name: a, token: ${SECRET}, namespaces: [x] }, { name: a, token: ${SECRET}x, namespaces: [y] }]`,
      /name a is used twice/,
    ],
    [
      "an unknown field",
      `tokens: [{ name: a, token: ${SECRET}, namespaces: [x], admin: true }]`,
      /tokens\.0/,
    ],
  ];
  for (const [situation, text, message] of bad) {
    it(`refuses ${situation}, naming the field and the fix`, () => {
      assert.throws(
        () => parseScopedTokenFile(text, "/tokens"),
        (err: unknown) =>
          err instanceof TokenFileError &&
          message.test(err.message) &&
          /docs\/pipeline-events\.md/.test(err.message),
      );
    });
  }

  const scope = { name: "shop-ci", namespaces: ["shop"], releases: ["shop-1"], sources: ["ci"] };
  const rows: [string, Parameters<typeof outOfScope>[1], RegExp | undefined][] = [
    ["its namespace, release and source", { namespace: "shop", release: "shop-1", source: "ci" }, undefined],
    [
      "another namespace",
      { namespace: "bank", release: "shop-1", source: "ci" },
      /scoped to namespaces \[shop\], not bank/,
    ],
    [
      "another release",
      { namespace: "shop", release: "shop-2", source: "ci" },
      /scoped to releases \[shop-1\], not shop-2/,
    ],
    [
      "another source",
      { namespace: "shop", release: "shop-1", source: "evil" },
      /scoped to sources \[ci\], not evil/,
    ],
  ];
  for (const [situation, request, refusal] of rows) {
    it(`judges ${situation}`, () => {
      const message = outOfScope(scope, request);
      if (refusal === undefined) assert.equal(message, undefined);
      else assert.match(message ?? "", refusal);
    });
  }

  it("lets a token written for every namespace (`*`) into any namespace", () => {
    assert.equal(outOfScope({ name: "am", namespaces: ["*"] }, { namespace: "bank" }), undefined);
  });
});
