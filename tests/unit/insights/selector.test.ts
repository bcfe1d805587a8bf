import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSelector, SelectorError, selects } from "../../../src/insights/selector.js";

describe("the insights selector over recorded dimensions", () => {
  const payments = { team: "payments", region: "eu-west-1", tags: ["pci"] };
  const shop = { team: "shop", customerImpact: "low" };

  it("reads kubectl's requirement forms, by label key or short name", () => {
    const cases: [string, boolean, boolean][] = [
      ["stagegate.io/team=payments", true, false],
      ["team==payments", true, false],
      ["team!=payments", false, true],
      ["team in (payments, shop)", true, true],
      ["team notin (shop),region=eu-west-1", true, false],
      ["tags.stagegate.io/pci", true, false],
      ["!tags.stagegate.io/pci", false, true],
      ["customer-impact=low", false, true],
      ["", true, true],
    ];
    for (const [text, forPayments, forShop] of cases) {
      const selector = parseSelector(text);
      assert.deepEqual([selects(selector, payments), selects(selector, shop)], [forPayments, forShop], text);
    }
  });

  it("matches an entry recorded before dimensions only where no label is required", () => {
    assert.equal(selects(parseSelector("team!=shop"), undefined), true);
    assert.equal(selects(parseSelector("team=shop"), undefined), false);
  });

  it("names a key that is not a dimension, and a requirement it cannot read", () => {
    assert.throws(
      () => parseSelector("owner=me"),
      (err: unknown) => {
        assert.ok(err instanceof SelectorError);
        assert.match(err.message, /"owner" is not a dimension label; select by stagegate.io\/team/);
        return true;
      },
    );
    assert.throws(() => parseSelector("team in payments"), /cannot read "team in payments"/);
  });
});
