import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredAuditEntry } from "../../../src/audit/entry.js";
import { redact } from "../../../src/notifications/channel-secret.js";
import { DestinationGuard, parseNetworks } from "../../../src/notifications/destination.js";
import {
  indexAddressBooks,
  labelsMatch,
  recipientsOf,
  roleEmails,
  roleMentions,
  routeWants,
} from "../../../src/notifications/match.js";

const entry = (namespace: string | undefined, action: string, environment?: string): StoredAuditEntry => ({
  seq: 1,
  time: "2026-12-06T10:00:00.000Z",
  actor: "alice",
  action,
  object: { kind: "Release", ...(namespace === undefined ? {} : { namespace }), name: "checkout" },
  details: environment === undefined ? {} : { environment },
  prevHash: "0".repeat(64),
  hash: "1".repeat(64),
});

describe("routeWants", () => {
  const route = { namespace: "payments", spec: { actions: ["ReleasePromoted"], environments: ["prod"] } };
  const rows: [string, StoredAuditEntry, boolean][] = [
    ["its namespace, action and environment", entry("payments", "ReleasePromoted", "prod"), true],
    ["another namespace's event, even a matching one", entry("billing", "ReleasePromoted", "prod"), false],
    ["a cluster-scoped object's event", entry(undefined, "ReleasePromoted", "prod"), false],
    ["another action", entry("payments", "TargetLocked", "prod"), false],
    ["another environment", entry("payments", "ReleasePromoted", "dev"), false],
    ["an event naming no environment when the route names some", entry("payments", "ReleasePromoted"), false],
  ];
  for (const [name, given, expected] of rows) {
    it(`${expected ? "wants" : "does not want"} ${name}`, () =>
      assert.equal(routeWants(route, given), expected));
  }
  it("wants any environment, and none, when it names none", () => {
    const any = { namespace: "payments", spec: { actions: ["ReleasePromoted"], environments: [] } };
    assert.equal(routeWants(any, entry("payments", "ReleasePromoted")), true);
    assert.equal(routeWants(any, entry("payments", "ReleasePromoted", "dev")), true);
  });
});

describe("labels and recipients", () => {
  it("matches when every label is carried with its value", () => {
    assert.equal(labelsMatch({ team: "a" }, { team: "a", x: "y" }), true);
    assert.equal(labelsMatch({ team: "a" }, { team: "b" }), false);
    assert.equal(labelsMatch({ team: "a" }, undefined), false);
  });
  it("sends mail to each distinct address and a webhook once", () => {
    const recipients = {
      users: [],
      groups: [],
      emails: ["a@example.com", "b@example.com", "a@example.com"],
      roles: [],
    };
    assert.deepEqual(recipientsOf({ channel: { type: "smtp", secretRef: { name: "s" } }, recipients }), [
      "a@example.com",
      "b@example.com",
    ]);
    assert.deepEqual(
      recipientsOf({
        channel: { type: "slack", secretRef: { name: "s" } },
        recipients: { ...recipients, emails: [] },
      }),
      ["channel"],
    );
  });
});

describe("DestinationGuard", () => {
  const guard = new DestinationGuard(parseNetworks("10.20.0.0/16"));
  const rows: [string, boolean][] = [
    ["127.0.0.1", false],
    ["169.254.169.254", false],
    ["10.0.0.5", false],
    ["10.20.3.4", true],
    ["172.16.0.1", false],
    ["192.168.1.1", false],
    ["::1", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["93.184.216.34", true],
    ["2606:4700::1111", true],
  ];
  for (const [address, permitted] of rows) {
    it(`${permitted ? "permits" : "refuses"} ${address}`, () =>
      assert.equal(guard.permits(address), permitted));
  }
  it("refuses a host that resolves to an internal address, naming the flag", async () => {
    await assert.rejects(guard.resolve("localhost"), /internal address.*--notification-allowed-networks/);
  });
  it("refuses a network that is not CIDR", () => {
    assert.throws(() => parseNetworks("10.0.0.0"), /not a network in CIDR notation/);
    assert.throws(() => parseNetworks("10.0.0.0/33"), /not a network in CIDR notation/);
  });
});

describe("redact", () => {
  it("replaces every Secret value in an error", () => {
    assert.equal(
      redact("POST https://hooks.example/T0/secret-token failed: secret-token", ["secret-token"]),
      "POST https://hooks.example/T0/[redacted] failed: [redacted]",
    );
  });
});

describe("notifications to roles: the addresses administrators bind on the Environment", () => {
  const group = (name: string) => [{ kind: "Group" as const, name }];
  const environment = {
    roles: [
      { role: "QA" as const, members: group("qa"), emails: ["qa@example.com"] },
      { role: "CAB" as const, members: group("cab"), emails: ["cab@example.com", "qa@example.com"] },
      { role: "Security" as const, members: group("sec") },
    ],
    teamRoles: [
      {
        team: "payments",
        namespaces: ["payments"],
        roles: [{ role: "QA" as const, members: group("payments-qa"), emails: ["payments-qa@example.com"] }],
      },
    ],
  };
  const rows: {
    name: string;
    roles: string[];
    namespace: string;
    labels?: Record<string, string>;
    emails: string[];
  }[] = [
    {
      name: "the environment's QA outside the team's namespace",
      roles: ["QA"],
      namespace: "web",
      emails: ["qa@example.com"],
    },
    {
      name: "the team's QA in its namespace",
      roles: ["QA"],
      namespace: "payments",
      emails: ["payments-qa@example.com"],
    },
    {
      name: "a label naming the team does not reach it from another namespace",
      roles: ["QA"],
      namespace: "web",
      labels: { "stagegate.io/team": "payments" },
      emails: ["qa@example.com"],
    },
    {
      name: "several roles, each address once",
      roles: ["QA", "CAB"],
      namespace: "web",
      emails: ["qa@example.com", "cab@example.com"],
    },
    {
      name: "a role bound without addresses mails nobody",
      roles: ["Security"],
      namespace: "web",
      emails: [],
    },
    { name: "a role not bound mails nobody", roles: ["ReleaseManager"], namespace: "web", emails: [] },
  ];
  for (const row of rows) {
    it(row.name, () =>
      assert.deepEqual(
        roleEmails(row.roles, environment, { namespace: row.namespace, labels: row.labels }),
        row.emails,
      ),
    );
  }

  it("adds role addresses to a route's own, once each, for smtp only", () => {
    const spec = {
      channel: { type: "smtp" as const, secretRef: { name: "s" } },
      recipients: { users: [], groups: [], emails: ["a@example.com"], roles: [] },
    };
    assert.deepEqual(recipientsOf(spec, ["qa@example.com", "a@example.com"]), [
      "a@example.com",
      "qa@example.com",
    ]);
    assert.deepEqual(
      recipientsOf({ ...spec, channel: { type: "slack", secretRef: { name: "s" } } }, ["qa@example.com"]),
      ["channel"],
    );
  });

  it("reaches nobody without an Environment", () => {
    assert.deepEqual(roleEmails(["QA"], undefined, { namespace: "payments" }), []);
  });
});

describe("notifications to roles: each member at the address administrators gave them", () => {
  const book = indexAddressBooks([
    {
      users: [
        { name: "alice", email: "alice@example.com" },
        { name: "carol", email: "carol@example.com" },
      ],
      groups: [{ name: "cab", email: "cab@example.com" }],
    },
    // A second book: every book counts, a name in two is mailed at both.
    { users: [{ name: "carol", email: "carol@home.example" }], groups: [] },
  ]);
  const environment = {
    roles: [
      {
        role: "CAB" as const,
        members: [
          { kind: "User" as const, name: "alice" },
          { kind: "Group" as const, name: "cab" },
          { kind: "User" as const, name: "mallory" },
        ],
        emails: ["board@example.com", "CAB@example.com"],
      },
      { role: "QA" as const, members: [{ kind: "User" as const, name: "carol" }] },
      // A group named like a user is not that user: the group's own address, or none.
      { role: "Security" as const, members: [{ kind: "Group" as const, name: "alice" }] },
    ],
  };
  const rows: { name: string; roles: string[]; emails: string[] }[] = [
    {
      name: "users and groups at their own addresses, then the role's, each address once in any case",
      roles: ["CAB"],
      emails: ["alice@example.com", "cab@example.com", "board@example.com"],
    },
    {
      name: "a name in two books at both",
      roles: ["QA"],
      emails: ["carol@example.com", "carol@home.example"],
    },
    { name: "a group is looked up as a group only", roles: ["Security"], emails: [] },
    {
      name: "several roles, each address once",
      roles: ["CAB", "QA"],
      emails: [
        "alice@example.com",
        "cab@example.com",
        "board@example.com",
        "carol@example.com",
        "carol@home.example",
      ],
    },
  ];
  for (const row of rows) {
    it(row.name, () =>
      assert.deepEqual(roleEmails(row.roles, environment, { namespace: "web" }, book), row.emails),
    );
  }

  it("keeps each address once when the route's own repeats a member's", () => {
    const spec = {
      channel: { type: "smtp" as const, secretRef: { name: "s" } },
      recipients: { users: [], groups: [], emails: ["Alice@Example.com"], roles: [] },
    };
    assert.deepEqual(recipientsOf(spec, roleEmails(["CAB"], environment, { namespace: "web" }, book)), [
      "Alice@Example.com",
      "cab@example.com",
      "board@example.com",
    ]);
  });

  it("names each role's holders for chat messages, and leaves out a role nobody holds", () => {
    assert.deepEqual(roleMentions(["QA", "CAB", "ReleaseManager"], environment, { namespace: "web" }), [
      { role: "QA", members: ["carol"] },
      { role: "CAB", members: ["alice", "group cab", "mallory"] },
    ]);
  });
});
