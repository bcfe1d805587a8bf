import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { checkGateDefinition, withGateDefinition } from "../../../src/controllers/environment/definition.js";
import type { EnvironmentOrder } from "../../../src/controllers/environment/order.js";

const NOW = new Date("2030-01-01T00:00:00Z");

interface Row {
  situation: string;
  gate: { windows?: Record<string, unknown>[] } & Record<string, unknown>;
  expected: "ok" | "InvalidWindow" | "NoApprovers";
  /** Words the message must contain: the field and the fix. */
  says?: string[];
}

const window = (extra: Record<string, unknown>) => ({
  schedule: "0 8 * * 1-5",
  duration: "4h",
  timeZone: "UTC",
  ...extra,
});

const rows: Row[] = [
  { situation: "no windows and no approvals required", gate: {}, expected: "ok" },
  {
    situation: "a weekday window in Berlin",
    gate: { windows: [window({ timeZone: "Europe/Berlin" })] },
    expected: "ok",
  },
  { situation: "a @daily window", gate: { windows: [window({ schedule: "@daily" })] }, expected: "ok" },
  {
    situation: "a time zone that does not exist",
    gate: { windows: [window({ name: "office", timeZone: "Mars/Olympus" })] },
    expected: "InvalidWindow",
    says: [
      "spec.gate.windows[0] (office)",
      'timeZone "Mars/Olympus" is not an IANA time zone',
      "Europe/Berlin",
    ],
  },
  {
    situation: "a schedule in words",
    gate: { windows: [window({}), window({ schedule: "every tuesday" })] },
    expected: "InvalidWindow",
    says: ["spec.gate.windows[1]", 'schedule "every tuesday" is not a cron expression', "0 8 * * 1-5"],
  },
  {
    situation: "a minute out of range",
    gate: { windows: [window({ schedule: "61 8 * * *" })] },
    expected: "InvalidWindow",
    says: ["spec.gate.windows[0]", "minute", "five fields"],
  },
  {
    situation: "a schedule that never fires (30 February)",
    gate: { windows: [window({ schedule: "0 0 30 2 *" })] },
    expected: "InvalidWindow",
    says: ["never fires"],
  },
  {
    situation: "a window of zero length",
    gate: { windows: [window({ duration: "0m" })] },
    expected: "InvalidWindow",
    says: ['duration "0m" is zero'],
  },
  {
    situation: "approvals required and nobody named",
    gate: { requiredApprovals: 2 },
    expected: "NoApprovers",
    says: ["spec.gate.requiredApprovals is 2", "spec.gate.approvers", "add users or groups"],
  },
  {
    situation: "approvals required, empty lists, emergency approvers only",
    gate: {
      requiredApprovals: 1,
      approvers: { users: [], groups: [] },
      emergency: { approverGroups: ["emergency-approvers"] },
    },
    expected: "NoApprovers",
    says: ["emergency approvers decide emergency changes only"],
  },
  {
    situation: "approvals required from a group",
    gate: { requiredApprovals: 2, approvers: { groups: ["approvers"] } },
    expected: "ok",
  },
  {
    situation: "approvals required from one user",
    gate: { requiredApprovals: 1, approvers: { users: ["alice"] } },
    expected: "ok",
  },
];

describe("checkGateDefinition", () => {
  for (const row of rows) {
    it(`${row.situation}: ${row.expected}`, () => {
      // Parsed without the windows, then given them as written: the CRD would refuse some of these shapes, and
      // the controller must still explain them (an object stored before the rule, a CRD not yet upgraded).
      const { windows, ...gate } = row.gate;
      const parsed = EnvironmentSpec.parse({ gate });
      const spec = {
        ...parsed,
        gate: { ...parsed.gate, windows: (windows ?? []) as typeof parsed.gate.windows },
      };
      const problem = checkGateDefinition(spec, NOW);
      assert.equal(problem?.reason ?? "ok", row.expected, problem?.message);
      for (const words of row.says ?? []) assert.ok(problem?.message.includes(words), problem?.message);
    });
  }
});

describe("withGateDefinition", () => {
  const placed: EnvironmentOrder = {
    order: 1,
    path: ["dev", "prod"],
    ready: { status: "True", reason: "OrderResolved", message: "Order 1." },
  };
  const cycle: EnvironmentOrder = { ready: { status: "False", reason: "OrderCycle", message: "A cycle." } };
  const problem = { reason: "NoApprovers" as const, message: "Nobody." };

  it("turns a placed environment with a broken gate not Ready, without order or path", () => {
    assert.deepEqual(withGateDefinition(placed, problem), {
      ready: { status: "False", reason: "NoApprovers", message: "Nobody." },
    });
  });
  it("keeps a placed environment with a sound gate as it is", () => {
    assert.equal(withGateDefinition(placed, undefined), placed);
  });
  it("keeps the order's reason when the environment is already not ready", () => {
    assert.equal(withGateDefinition(cycle, problem), cycle);
  });
});
