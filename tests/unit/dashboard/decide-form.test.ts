import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DecideForm } from "../../../src/dashboard/decide-form.js";

const base = { namespace: "shop", change: "shop-1-prod" };
const issue = (form: Record<string, string>) => {
  const parsed = DecideForm.safeParse({ ...base, ...form });
  return parsed.success
    ? undefined
    : `${parsed.error.issues[0]?.path.join(".") ?? ""}: ${parsed.error.issues[0]?.message ?? ""}`;
};

describe("DecideForm", () => {
  const rows: [string, Record<string, string>, RegExp | undefined][] = [
    ["approve without a revisit time", { decision: "Approve", revisitIn: "" }, undefined],
    ["reject with a blank revisit time", { decision: "Reject", revisitIn: "  " }, undefined],
    ["defer with a duration", { decision: "Defer", revisitIn: "1h30m" }, undefined],
    ["defer without a revisit time", { decision: "Defer" }, /^revisitIn: Defer needs a revisit time/],
    [
      "defer with a blank one",
      { decision: "Defer", revisitIn: " " },
      /^revisitIn: Defer needs a revisit time/,
    ],
    [
      "defer with a non-duration",
      { decision: "Defer", revisitIn: "tomorrow" },
      /"tomorrow" is not a duration/,
    ],
    ["defer with zero", { decision: "Defer", revisitIn: "0s" }, /"0s" is not a duration of at least 1s/],
    ["approve carrying a revisit time", { decision: "Approve", revisitIn: "24h" }, /only for Defer/],
    ["an unknown decision", { decision: "Hold" }, /^decision:/],
  ];
  for (const [situation, form, expected] of rows) {
    it(situation, () => {
      const found = issue(form);
      if (expected === undefined) assert.equal(found, undefined);
      else assert.match(found ?? "", expected);
    });
  }
});
