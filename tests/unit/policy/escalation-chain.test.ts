import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chainFor } from "../../../src/policy/escalation-chain.js";

type Chain = { name: string; types: string[]; roles: string[] };
const chain = (name: string, types: string[], roles: string[]): Chain => ({ name, types, roles });
const role = (name: string) => ({ kind: "Role", name });
const user = (name: string) => ({ kind: "User", name });

describe("which escalation chain (and SLA) applies to a task: owning roles first, then type", () => {
  const chains = [
    chain("scans", ["SecurityScan"], []),
    chain("security-role", [], ["Security"]),
    chain("qa-uat", ["UserAcceptance"], ["QA"]),
    chain("cab-or-qa", [], ["CAB", "QA"]),
    chain("default", [], []),
  ];
  const rows: { name: string; type: string; owners: { kind: string; name: string }[]; chain?: string }[] = [
    {
      name: "a scan owned by a user: its type's chain",
      type: "SecurityScan",
      owners: [user("bob")],
      chain: "scans",
    },
    {
      name: "a scan owned by Security: the role's chain beats the type's listed before it",
      type: "SecurityScan",
      owners: [role("Security")],
      chain: "security-role",
    },
    {
      name: "QA's UAT task: the first role chain matching its type",
      type: "UserAcceptance",
      owners: [role("QA")],
      chain: "qa-uat",
    },
    {
      name: "QA's coordination task: qa-uat does not match the type, the next role chain does",
      type: "Coordination",
      owners: [role("QA")],
      chain: "cab-or-qa",
    },
    {
      name: "several roles: the first chain naming any of them",
      type: "Coordination",
      owners: [user("bob"), role("CAB"), role("Security")],
      chain: "security-role",
    },
    {
      name: "a role no chain names: the first chain without roles for its type",
      type: "Coordination",
      owners: [role("InfrastructureOwner")],
      chain: "default",
    },
    {
      name: "a user named like a role is not the role",
      type: "Coordination",
      owners: [user("Security")],
      chain: "default",
    },
  ];
  for (const row of rows) {
    it(row.name, () => assert.equal(chainFor(chains, row.type, row.owners)?.name, row.chain));
  }

  it("applies no chain when none matches (role chains never apply to tasks without the role)", () => {
    const only = [chain("security-role", [], ["Security"]), chain("scans", ["SecurityScan"], [])];
    assert.equal(chainFor(only, "Coordination", [user("bob")]), undefined);
  });
});
