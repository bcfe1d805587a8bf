import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandOwners, ownership } from "../../../src/policy/task-ownership.js";

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
