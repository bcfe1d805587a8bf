import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RiskClass } from "../../../src/api/v1alpha1/environment.js";
import { assessRisk, riskAtMost, type RiskInput } from "../../../src/controllers/change-control/risk.js";

interface Row {
  situation: string;
  input: Partial<RiskInput>;
  expected: [riskClass: RiskClass, rule: string];
}

const rows: Row[] = [
  {
    situation: "an Emergency change to a regulated environment is critical",
    input: { type: "Emergency", regulated: true, commits: 50, criticalTarget: true },
    expected: ["critical", "EmergencyInRegulatedEnvironment"],
  },
  {
    situation: "an Emergency change elsewhere is high",
    input: { type: "Emergency" },
    expected: ["high", "Emergency"],
  },
  {
    situation: "a regulated release of 21 commits is high",
    input: { regulated: true, commits: 21 },
    expected: ["high", "LargeRegulatedRelease"],
  },
  {
    situation: "a regulated release of exactly 20 commits is only medium",
    input: { regulated: true, commits: 20 },
    expected: ["medium", "RegulatedEnvironment"],
  },
  {
    situation: "a target labelled critical makes a small change high",
    input: { criticalTarget: true },
    expected: ["high", "CriticalTarget"],
  },
  {
    situation: "a regulated environment is medium",
    input: { regulated: true, commits: 1 },
    expected: ["medium", "RegulatedEnvironment"],
  },
  {
    situation: "more than 20 commits outside a regulated environment is medium",
    input: { commits: 21 },
    expected: ["medium", "LargeRelease"],
  },
  {
    situation: "a Standard change of a few commits is low",
    input: { type: "Standard", commits: 3 },
    expected: ["low", "NoRiskFactor"],
  },
];

describe("assessRisk: first matching rule wins", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const risk = assessRisk({
        type: "Normal",
        regulated: false,
        commits: 0,
        criticalTarget: false,
        ...row.input,
      });
      assert.deepEqual([risk.riskClass, risk.rule], row.expected);
      assert.match(risk.message, new RegExp(`^Risk ${row.expected[0]}: .*\\(rule ${row.expected[1]}\\)\\.$`));
    });
  }
});

describe("riskAtMost", () => {
  const cases: [RiskClass, RiskClass, boolean][] = [
    ["low", "low", true],
    ["medium", "low", false],
    ["medium", "high", true],
    ["critical", "high", false],
    ["critical", "critical", true],
  ];
  for (const [risk, limit, expected] of cases) {
    it(`${risk} at most ${limit}: ${expected}`, () => assert.equal(riskAtMost(risk, limit), expected));
  }
});
