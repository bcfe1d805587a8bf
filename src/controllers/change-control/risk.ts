import type { ChangeType } from "../../api/v1alpha1/change-request.js";
import type { RiskClass } from "../../api/v1alpha1/environment.js";

/** More commits than this make a release large, which raises its risk. */
export const LARGE_RELEASE_COMMITS = 20;

/** What the risk of a change is assessed from. */
export interface RiskInput {
  type: ChangeType;
  /** Whether the target Environment is regulated. */
  regulated: boolean;
  /** How many commits the Release carries. */
  commits: number;
  /** Whether the delivery object of the target environment carries `stagegate.io/criticality: high`. */
  criticalTarget: boolean;
}

/** The names of the risk rules, as `status.riskRule` and the audit trail write them. */
export const RiskRule = {
  EmergencyInRegulatedEnvironment: "EmergencyInRegulatedEnvironment",
  Emergency: "Emergency",
  LargeRegulatedRelease: "LargeRegulatedRelease",
  CriticalTarget: "CriticalTarget",
  RegulatedEnvironment: "RegulatedEnvironment",
  LargeRelease: "LargeRelease",
  NoRiskFactor: "NoRiskFactor",
} as const;
export type RiskRule = (typeof RiskRule)[keyof typeof RiskRule];

/** A risk class with the rule that decided it and a sentence explaining it. */
export interface RiskAssessment {
  riskClass: RiskClass;
  rule: RiskRule;
  message: string;
}

interface Rule {
  riskClass: RiskClass;
  rule: RiskRule;
  applies(input: RiskInput): boolean;
  explain(input: RiskInput): string;
}

const large = (input: RiskInput): boolean => input.commits > LARGE_RELEASE_COMMITS;
const commitsText = (input: RiskInput): string =>
  `the release carries ${input.commits} commits (more than ${LARGE_RELEASE_COMMITS})`;

/** The rules in the order of the design note; the first that applies decides. */
const RULES: readonly Rule[] = [
  {
    riskClass: "critical",
    rule: RiskRule.EmergencyInRegulatedEnvironment,
    applies: (i) => i.type === "Emergency" && i.regulated,
    explain: () => "an Emergency change to a regulated environment",
  },
  {
    riskClass: "high",
    rule: RiskRule.Emergency,
    applies: (i) => i.type === "Emergency",
    explain: () => "an Emergency change",
  },
  {
    riskClass: "high",
    rule: RiskRule.LargeRegulatedRelease,
    applies: (i) => i.regulated && large(i),
    explain: (i) => `the environment is regulated and ${commitsText(i)}`,
  },
  {
    riskClass: "high",
    rule: RiskRule.CriticalTarget,
    applies: (i) => i.criticalTarget,
    explain: () => "the delivery target is labelled stagegate.io/criticality: high",
  },
  {
    riskClass: "medium",
    rule: RiskRule.RegulatedEnvironment,
    applies: (i) => i.regulated,
    explain: () => "the environment is regulated",
  },
  {
    riskClass: "medium",
    rule: RiskRule.LargeRelease,
    applies: large,
    explain: commitsText,
  },
];

/**
 * Assesses the risk class of a change, first matching rule wins: critical for an Emergency change in a
 * regulated environment; high for any other Emergency, a regulated release of more than 20 commits, or a
 * target labelled `stagegate.io/criticality: high`; medium for a regulated environment or more than 20
 * commits; low otherwise. Pure.
 */
export function assessRisk(input: RiskInput): RiskAssessment {
  const rule = RULES.find((r) => r.applies(input));
  if (rule === undefined) {
    return {
      riskClass: "low",
      rule: RiskRule.NoRiskFactor,
      message: "Risk low: no risk factor applies (rule NoRiskFactor).",
    };
  }
  return {
    riskClass: rule.riskClass,
    rule: rule.rule,
    message: `Risk ${rule.riskClass}: ${rule.explain(input)} (rule ${rule.rule}).`,
  };
}

const ORDER: readonly RiskClass[] = ["low", "medium", "high", "critical"];

/** Whether `risk` is at most `limit` in the order low < medium < high < critical. */
export function riskAtMost(risk: RiskClass, limit: RiskClass): boolean {
  return ORDER.indexOf(risk) <= ORDER.indexOf(limit);
}
