import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MAX_TAGS,
  dimensionLabels,
  dimensionProblems,
  dimensionsOf,
  inheritedDimensionLabels,
} from "../../../src/api/v1alpha1/dimensions.js";

describe("delivery dimensions", () => {
  const labels = {
    "stagegate.io/team": "payments",
    "stagegate.io/region": "eu-west-1",
    "stagegate.io/customer-impact": "high",
    "tags.stagegate.io/pci": "true",
    "tags.stagegate.io/black-friday": "true",
    "app.kubernetes.io/name": "shop",
  };

  it("reads the well-known dimensions and the tags, sorted, ignoring other labels", () => {
    assert.deepEqual(dimensionsOf(labels), {
      team: "payments",
      region: "eu-west-1",
      customerImpact: "high",
      tags: ["black-friday", "pci"],
    });
    assert.deepEqual(dimensionsOf(undefined), {});
  });

  it("writes back exactly the labels it read, for the children of a release", () => {
    const { "app.kubernetes.io/name": _ignored, ...dimensionOnly } = labels;
    assert.deepEqual(dimensionLabels(dimensionsOf(labels)), dimensionOnly);
  });

  it("accepts valid and absent dimensions", () => {
    assert.deepEqual(dimensionProblems(labels), []);
    assert.deepEqual(dimensionProblems({}), []);
  });

  it("names the field and the fix for each bad value", () => {
    const problems = dimensionProblems({
      "stagegate.io/customer-impact": "severe",
      "stagegate.io/team": "Payments_Team",
      "tags.stagegate.io/pci": "yes",
    });
    assert.deepEqual(
      problems.map((p) => p.field),
      [
        'metadata.labels["stagegate.io/team"]',
        'metadata.labels["stagegate.io/customer-impact"]',
        'metadata.labels["tags.stagegate.io/pci"]',
      ],
    );
    assert.match(problems[1]?.message ?? "", /one of none, low, medium, high/);
    assert.match(problems[2]?.message ?? "", /value is "true"/);
  });

  it("bounds the number of tags", () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_TAGS + 1 }, (_, i) => [`tags.stagegate.io/t${i}`, "true"]),
    );
    assert.deepEqual(
      dimensionProblems(many).map((p) => p.field),
      ["metadata.labels"],
    );
    assert.deepEqual(dimensionProblems(Object.fromEntries(Object.entries(many).slice(1))), []);
  });
});

describe("dimensions a child inherits", () => {
  it("carries the well-formed dimensions and leaves out a malformed one", () => {
    assert.deepEqual(
      inheritedDimensionLabels({
        "stagegate.io/team": "payments",
        "stagegate.io/customer-impact": "severe",
        "tags.stagegate.io/pci": "true",
        "tags.stagegate.io/odd": "yes",
        "app.kubernetes.io/name": "shop",
      }),
      { "stagegate.io/team": "payments", "tags.stagegate.io/pci": "true" },
    );
    assert.deepEqual(inheritedDimensionLabels(undefined), {});
  });

  it("carries at most the allowed number of tags", () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_TAGS + 4 }, (_, i) => [
        `tags.stagegate.io/t${String(i).padStart(2, "0")}`,
        "true",
      ]),
    );
    const inherited = Object.keys(inheritedDimensionLabels(many));
    assert.equal(inherited.length, MAX_TAGS);
    assert.deepEqual(dimensionProblems(inheritedDimensionLabels(many)), []);
  });
});
