import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChangeRequestView } from "../../../src/webhooks/admitted-objects.js";
import {
  emergencyExpiry,
  needsEmergencyCheck,
  type EnvironmentLookup,
} from "../../../src/webhooks/change-request-rules.js";
import type { RuleName } from "../../../src/webhooks/verdict.js";
import { at, changeRequestObject, environment, HOUR, NOW } from "./admission-fixtures.js";

const emergency = (expiresAt: string | undefined) =>
  ChangeRequestView.parse(
    changeRequestObject({
      type: "Emergency",
      emergency: { reason: "Card payments are down.", ...(expiresAt === undefined ? {} : { expiresAt }) },
    }),
  );

const prodDefault: EnvironmentLookup = { state: "found", spec: environment() };
const prodFourHours: EnvironmentLookup = {
  state: "found",
  spec: environment({ emergency: { approverGroups: ["emergency-approvers"], maxDuration: "4h" } }),
};

interface Row {
  situation: string;
  expiresAt: string | undefined;
  environment: EnvironmentLookup;
  expected: "allowed" | RuleName;
  says?: string[];
}

const rows: Row[] = [
  {
    situation: "expires in 2h, default maxDuration 24h",
    expiresAt: at(2 * HOUR),
    environment: prodDefault,
    expected: "allowed",
  },
  {
    situation: "expires exactly at the 24h limit",
    expiresAt: at(24 * HOUR),
    environment: prodDefault,
    expected: "allowed",
  },
  {
    situation: "expires in 25h, beyond the default 24h",
    expiresAt: at(25 * HOUR),
    environment: prodDefault,
    expected: "EmergencyExpiry",
    says: ["more than 24h", "Environment prod", "no later than 2030-01-02T12:00:00Z"],
  },
  {
    situation: "expired an hour ago",
    expiresAt: at(-HOUR),
    environment: prodDefault,
    expected: "EmergencyExpiry",
    says: ["not in the future"],
  },
  {
    situation: "expires now (not in the future)",
    expiresAt: at(0),
    environment: prodDefault,
    expected: "EmergencyExpiry",
  },
  {
    situation: "within the Environment's own 4h",
    expiresAt: at(3 * HOUR),
    environment: prodFourHours,
    expected: "allowed",
  },
  {
    situation: "beyond the Environment's own 4h",
    expiresAt: at(5 * HOUR),
    environment: prodFourHours,
    expected: "EmergencyExpiry",
    says: ["more than 4h"],
  },
  {
    situation: "the Environment does not exist",
    expiresAt: at(HOUR),
    environment: { state: "missing" },
    expected: "EmergencyExpiry",
    says: ["Environment prod does not exist"],
  },
  {
    situation: "the Environment cannot be read",
    expiresAt: at(HOUR),
    environment: { state: "unreadable", error: "connection refused" },
    expected: "EmergencyExpiry",
    says: ["connection refused"],
  },
  {
    situation: "no expiresAt at all",
    expiresAt: undefined,
    environment: prodDefault,
    expected: "EmergencyExpiry",
  },
  {
    situation: "expiresAt is not a time",
    expiresAt: "tomorrow",
    environment: prodDefault,
    expected: "EmergencyExpiry",
  },
];

describe("emergencyExpiry", () => {
  for (const row of rows) {
    it(`${row.situation}: ${row.expected}`, () => {
      const verdict = emergencyExpiry({
        changeRequest: emergency(row.expiresAt),
        environment: row.environment,
        now: NOW,
      });
      assert.equal(verdict.allowed ? "allowed" : verdict.rule, row.expected);
      if (verdict.allowed) return;
      for (const words of row.says ?? []) assert.ok(verdict.message.includes(words), verdict.message);
    });
  }
});

describe("needsEmergencyCheck", () => {
  const normal = ChangeRequestView.parse(changeRequestObject());
  const cases: {
    situation: string;
    current: ChangeRequestView;
    previous?: ChangeRequestView;
    expected: boolean;
  }[] = [
    { situation: "CREATE of a Normal change", current: normal, expected: false },
    { situation: "CREATE of an Emergency change", current: emergency(at(HOUR)), expected: true },
    {
      situation: "UPDATE that leaves the emergency alone (even once expired)",
      current: emergency(at(-HOUR)),
      previous: emergency(at(-HOUR)),
      expected: false,
    },
    {
      situation: "UPDATE that moves expiresAt",
      current: emergency(at(30 * HOUR)),
      previous: emergency(at(HOUR)),
      expected: true,
    },
    {
      situation: "UPDATE that turns a Normal change into an Emergency",
      current: emergency(at(HOUR)),
      previous: normal,
      expected: true,
    },
    {
      situation: "UPDATE that moves the change to another Environment",
      current: ChangeRequestView.parse(
        changeRequestObject({
          environment: "staging",
          type: "Emergency",
          emergency: { reason: "x", expiresAt: at(HOUR) },
        }),
      ),
      previous: emergency(at(HOUR)),
      expected: true,
    },
  ];
  for (const row of cases) {
    it(`${row.situation}: ${row.expected ? "checked" : "not checked"}`, () => {
      assert.equal(needsEmergencyCheck(row.current, row.previous), row.expected);
    });
  }
});
