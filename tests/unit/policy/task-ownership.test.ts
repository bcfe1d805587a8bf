import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandOwners, ownership, rolesFor } from "../../../src/policy/task-ownership.js";

const roles = [
  { role: "QA" as const, members: [{ kind: "Group" as const, name: "qa-team" }] },
  { role: "Security" as const, members: [{ kind: "User" as const, name: "sam" }] },
];

describe("task ownership by user, group and role", () => {
  it("expands a role into its members in the environment, and an unheld role into nobody", () => {
    assert.deepEqual(
      expandOwners(
        [
          { kind: "Role", name: "QA" },
          { kind: "User", name: "dave" },
          { kind: "Role", name: "CAB" },
        ],
        roles,
      ),
      [
        { kind: "Group", name: "qa-team" },
        { kind: "User", name: "dave" },
      ],
    );
  });

  it("says mine for a named user, shared with the groups and roles otherwise", () => {
    const owners = [
      { kind: "User", name: "dave" },
      { kind: "Group", name: "release-managers" },
      { kind: "Role", name: "QA" },
    ];
    assert.deepEqual(ownership(owners, roles, { username: "dave", groups: [] }), { kind: "mine" });
    assert.deepEqual(
      ownership(owners, roles, { username: "quinn", groups: ["qa-team", "release-managers"] }),
      {
        kind: "shared",
        via: ["group release-managers", "role QA"],
      },
    );
    assert.equal(ownership(owners, roles, { username: "mallory", groups: [] }), undefined);
  });

  it("never takes a user named like a role for its holder", () => {
    assert.equal(ownership([{ kind: "Role", name: "QA" }], roles, { username: "QA", groups: [] }), undefined);
  });
});

describe("role bindings per team: the label picks only among bindings given to the task's namespace", () => {
  const holder = (name: string) => [{ role: "QA" as const, members: [{ kind: "User" as const, name }] }];
  const environment = {
    roles,
    teamRoles: [
      { team: "payments", namespaces: ["payments", "payments-batch"], roles: holder("dave") },
      { team: "mallory-team", namespaces: ["mallory-ns"], roles: holder("mallory") },
      { team: "web", namespaces: ["shared"], roles: holder("wendy") },
      { team: "mobile", namespaces: ["shared"], roles: holder("mo") },
    ],
  };
  const team = (name: string) => ({ "stagegate.io/team": name });
  const qaOf = (namespace: string | undefined, labels?: Record<string, string>) =>
    rolesFor(environment, { namespace, labels }).find((r) => r.role === "QA")?.members;
  const user = (name: string) => [{ kind: "User", name }];
  const envQa = roles[0]?.members;
  const rows: {
    name: string;
    namespace: string | undefined;
    labels?: Record<string, string>;
    qa: unknown;
  }[] = [
    {
      name: "a team's task in its namespace",
      namespace: "payments",
      labels: team("payments"),
      qa: user("dave"),
    },
    {
      name: "in another namespace of the team",
      namespace: "payments-batch",
      labels: team("payments"),
      qa: user("dave"),
    },
    { name: "no label: the only team binding of the namespace", namespace: "payments", qa: user("dave") },
    {
      name: "relabelled to a team not bound to the namespace",
      namespace: "payments",
      labels: team("mallory-team"),
      qa: user("dave"),
    },
    { name: "a label naming no binding", namespace: "payments", labels: team("nobody"), qa: user("dave") },
    {
      name: "the payments label in mallory's namespace",
      namespace: "mallory-ns",
      labels: team("payments"),
      qa: user("mallory"),
    },
    {
      name: "a shared namespace: the label picks among its bindings",
      namespace: "shared",
      labels: team("mobile"),
      qa: user("mo"),
    },
    { name: "a shared namespace without a label: the environment's", namespace: "shared", qa: envQa },
    {
      name: "a shared namespace, another team's label: the environment's",
      namespace: "shared",
      labels: team("payments"),
      qa: envQa,
    },
    { name: "a namespace no team binds", namespace: "ops", labels: team("payments"), qa: envQa },
    { name: "no namespace known", namespace: undefined, labels: team("payments"), qa: envQa },
  ];
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(qaOf(row.namespace, row.labels), row.qa));
  }

  it("keeps the environment's binding for the roles a team does not bind", () => {
    const bound = rolesFor(environment, { namespace: "payments", labels: team("payments") });
    assert.deepEqual(
      bound.find((r) => r.role === "Security"),
      roles[1],
    );
  });

  it("binds nothing without an Environment", () => {
    assert.deepEqual(rolesFor(undefined, { namespace: "payments", labels: team("payments") }), []);
  });
});

describe("TeamRoleBindings add holders for a team's tasks, chosen only as an administrator allowed", () => {
  const qa = (...names: string[]) => [
    { role: "QA" as const, members: names.map((name) => ({ kind: "User" as const, name })) },
  ];
  const environment = {
    roles: qa("quinn"),
    teamRoles: [{ team: "payments", namespaces: ["payments"], roles: qa("dave") }],
  };
  const bindings = [
    { team: "payments", namespaces: ["payments", "payments-batch"], environments: ["dev"], roles: qa("bob") },
    { team: "payments", roles: qa("pat") },
    { team: "checkout", namespaces: ["checkout"], roles: qa("carl") },
    { team: "mallory-team", roles: qa("mallory") },
    { team: "mallory-team", namespaces: ["mallory-ns"], roles: qa("mallory") },
  ];
  const team = (name: string) => ({ "stagegate.io/team": name });
  const rows: {
    name: string;
    place: {
      environment?: string;
      namespace: string;
      labels?: Record<string, string>;
      namespaceTeam?: string;
    };
    qa: string[];
  }[] = [
    {
      name: "the team's namespace and environment: the Environment's team holder and the binding's, unioned",
      place: { environment: "dev", namespace: "payments", labels: team("payments") },
      qa: ["dave", "bob"],
    },
    {
      name: "another environment than the binding names: the Environment's alone",
      place: { environment: "prod", namespace: "payments", labels: team("payments") },
      qa: ["dave"],
    },
    {
      name: "a namespace the binding names but the Environment does not: its environment-wide holder and the binding's",
      place: { environment: "dev", namespace: "payments-batch" },
      qa: ["quinn", "bob"],
    },
    {
      name: "another team's namespace relabelled to payments: payments' bindings do not follow the label",
      place: { environment: "dev", namespace: "checkout", labels: team("payments") },
      qa: ["quinn", "carl"],
    },
    {
      name: "a binding for all namespaces does not apply on a task's label alone",
      place: { environment: "dev", namespace: "ops", labels: team("mallory-team") },
      qa: ["quinn"],
    },
    {
      name: "a binding for all namespaces applies where the namespace's label names the team",
      place: { environment: "prod", namespace: "payments-api", namespaceTeam: "payments" },
      qa: ["quinn", "pat"],
    },
    {
      name: "a relabelled task in a labelled namespace: the namespace's team's every-namespace binding, not the label's",
      place: {
        environment: "dev",
        namespace: "payments-api",
        namespaceTeam: "payments",
        labels: team("mallory-team"),
      },
      qa: ["quinn", "pat"],
    },
    {
      name: "a labelled namespace another team's binding names: both administrators' statements count",
      place: {
        environment: "dev",
        namespace: "mallory-ns",
        namespaceTeam: "payments",
        labels: team("mallory-team"),
      },
      qa: ["quinn", "pat", "mallory"],
    },
    {
      name: "no environment named: no binding",
      place: { namespace: "payments", labels: team("payments") },
      qa: ["dave"],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const bound = rolesFor(environment, row.place, bindings).find((r) => r.role === "QA");
      assert.deepEqual(
        bound?.members.map((m) => m.name),
        row.qa,
      );
    });
  }

  it("binds through a TeamRoleBinding without an Environment object, and merges addresses once", () => {
    const withMail = [
      {
        team: "payments",
        namespaces: ["payments"],
        roles: [{ ...qa("bob")[0]!, emails: ["qa@example.com"] }],
      },
      {
        team: "payments",
        namespaces: ["payments"],
        roles: [{ ...qa("bob", "ann")[0]!, emails: ["qa@example.com"] }],
      },
    ];
    assert.deepEqual(rolesFor(undefined, { environment: "dev", namespace: "payments" }, withMail), [
      {
        role: "QA",
        members: [
          { kind: "User", name: "bob" },
          { kind: "User", name: "ann" },
        ],
        emails: ["qa@example.com"],
      },
    ]);
  });

  it("never lets a binding change the Environment's own lists", () => {
    const before = JSON.stringify(environment);
    rolesFor(environment, { environment: "dev", namespace: "payments" }, bindings);
    assert.equal(JSON.stringify(environment), before);
  });
});
