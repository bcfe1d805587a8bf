import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GateBinding } from "../../../src/api/v1alpha1/binding.js";
import { GatePolicy } from "../../../src/api/v1alpha1/environment.js";
import { parseAuthorPolicy, repositoryAllowed } from "../../../src/commits/author-policy.js";
import { separationOfDutiesApplies } from "../../../src/controllers/change-control/approval-spec.js";
import { commitIn } from "../../../src/controllers/change-control/commit-authors.js";
import {
  barredPeople,
  releaseBindingMismatch,
  type AuthoredCommit,
  type DutyInput,
} from "../../../src/controllers/change-control/separation-of-duties.js";

const OPERATOR = { username: "stagegate-operator", groups: ["stagegate:operators"] };
const POLICY = parseAuthorPolicy(
  [
    'allowedRepositories: ["https://git.example.com/"]',
    'oidcPrefix: "oidc:"',
    "identities:",
    "  Carol@Corp.example: carol",
  ].join("\n"),
  "test",
);
const ALLOW = parseAuthorPolicy(
  ['allowedRepositories: ["https://git.example.com/"]', "unmappedAuthors: Allow"].join("\n"),
  "test",
);
const carolCommit: AuthoredCommit = {
  sha: "c".repeat(40),
  name: "Carol",
  email: "carol@corp.example",
  source: "git",
};
const gitRead = (commits: AuthoredCommit[]) =>
  ({ state: "read", repoURL: "https://git.example.com/shop", range: "a..b", commits }) as const;

const input = (overrides: Partial<DutyInput>): DutyInput => ({
  requester: OPERATOR,
  declarers: [],
  declaredCommits: [],
  git: { state: "off" },
  identities: undefined,
  ...overrides,
});

const users = (result: ReturnType<typeof barredPeople>): string[] =>
  result.ok ? result.excluded.map((e) => e.user) : [`blocked ${result.reason}`];

describe("barredPeople", () => {
  const rows: { situation: string; input: DutyInput; expected: string[] }[] = [
    {
      situation:
        "the declarer and earlier declarers of the revision are barred with the operator as requester",
      input: input({ declarers: ["alice", "dave"] }),
      expected: ["stagegate-operator", "alice", "dave"],
    },
    {
      situation: "an author git reports is barred though the spec leaves them out",
      input: input({ git: gitRead([carolCommit]) }),
      expected: ["stagegate-operator", "carol@corp.example", "Carol"],
    },
    {
      situation:
        "the mapping turns a git e-mail into the user name, case-insensitively, with the OIDC prefix",
      input: input({ git: gitRead([carolCommit]), identities: POLICY }),
      expected: ["stagegate-operator", "carol@corp.example", "Carol", "oidc:carol"],
    },
    {
      situation: "an author the mapping does not know blocks under Deny",
      input: input({
        git: gitRead([{ sha: "d".repeat(40), name: "Mallory", email: "m@x.example", source: "git" }]),
        identities: POLICY,
      }),
      expected: ["blocked UnmappedCommitAuthor"],
    },
    {
      situation: "an author only the spec declares is still checked against the mapping",
      input: input({
        declaredCommits: [{ sha: "e".repeat(40), author: { name: "Eve", email: "eve@x.example" } }],
        identities: POLICY,
      }),
      expected: ["blocked UnmappedCommitAuthor"],
    },
    {
      situation: "under Allow an unmapped author is compared by e-mail and name, and reported",
      input: input({
        git: gitRead([{ sha: "d".repeat(40), name: "Mallory", email: "m@x.example", source: "git" }]),
        identities: ALLOW,
      }),
      expected: ["stagegate-operator", "m@x.example", "Mallory"],
    },
    {
      situation: "a failed git read stops the approval",
      input: input({ git: { state: "failed", reason: "CommitAuthorsUnreadable", message: "x." } }),
      expected: ["blocked CommitAuthorsUnreadable"],
    },
  ];
  for (const row of rows) {
    it(row.situation, () => assert.deepEqual(users(barredPeople(row.input)), row.expected));
  }

  it("names the unmapped authors and the fix", () => {
    const result = barredPeople(
      input({
        git: gitRead([{ sha: "d".repeat(40), name: "Mallory", email: "m@x.example", source: "git" }]),
        identities: POLICY,
      }),
    );
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.match(result.message, /m@x\.example maps to no Kubernetes user/);
      assert.match(result.message, /--commit-authors-config/);
    }
  });

  it("says why each person is barred", () => {
    const result = barredPeople(
      input({ declarers: ["alice"], git: gitRead([carolCommit]), identities: POLICY }),
    );
    assert.ok(result.ok);
    if (result.ok) {
      assert.deepEqual(result.excluded.find((e) => e.user === "alice")?.reason, "declared the release");
      assert.deepEqual(
        result.excluded.find((e) => e.user === "oidc:carol")?.reason,
        "mapped from git author carol@corp.example and authored commit ccccccc",
      );
      assert.deepEqual(result.mapped, { "carol@corp.example": "oidc:carol" });
    }
  });
});

describe("separation of duties by default", () => {
  const table: { gate: Record<string, unknown>; regulated: boolean; expected: boolean }[] = [
    { gate: { requiredApprovals: 1 }, regulated: false, expected: true },
    { gate: { requiredApprovals: 0 }, regulated: false, expected: false },
    { gate: { requiredApprovals: 0 }, regulated: true, expected: true },
    { gate: { requiredApprovals: 2, separationOfDuties: false }, regulated: true, expected: false },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.gate)} regulated=${row.regulated} -> ${row.expected}`, () => {
      const gate = GatePolicy.parse(row.gate);
      assert.equal(separationOfDutiesApplies({ regulated: row.regulated, gate }), row.expected);
    });
  }
});

describe("author policy file", () => {
  it("needs an allowed repository when it reads git", () => {
    assert.throws(() => parseAuthorPolicy("readFromGit: true\n", "f.yaml"), /f\.yaml: allowedRepositories/);
  });

  it("refuses unknown fields", () => {
    assert.throws(() => parseAuthorPolicy("readFromGit: false\nidentitys: {}\n", "f.yaml"), /f\.yaml/);
  });

  it("finds the commit in a delivery tool's revision", () => {
    assert.equal(commitIn(`main@sha1:${"a".repeat(40)}`), "a".repeat(40));
    assert.equal(commitIn("1.2.3"), undefined);
  });
});

describe("repositories the operator may read", () => {
  const policy = parseAuthorPolicy('allowedRepositories: ["https://git.example.com/acme/"]\n', "t").policy;
  const table: [string, boolean][] = [
    ["https://git.example.com/acme/shop.git", true],
    ["https://git.example.com/other/shop.git", false],
    ["https://git.example.com/acme/../other/shop.git", false],
    ["https://git.example.com/acme/%2e%2e/other/shop.git", false],
    ["https://user:pw@git.example.com/acme/shop.git", false],
    ["file:///etc/passwd", false],
    ["/srv/git/acme/shop", false],
    ["ext::sh -c touch% /tmp/pwned", false],
  ];
  for (const [url, allowed] of table) {
    it(`${url} -> ${allowed ? "allowed" : "refused"}`, () =>
      assert.equal(repositoryAllowed(policy, url), allowed));
  }
});

describe("releaseBindingMismatch", () => {
  const binding = (uid: string): GateBinding => ({
    release: { name: "shop", uid },
    environment: "prod",
    artifact: { commit: "a".repeat(40), digests: [] },
    target: { kind: "Application", namespace: "team", name: "shop", revision: "a".repeat(40) },
  });
  it("trusts a change without a binding, or bound to the release found", () => {
    assert.equal(releaseBindingMismatch(undefined, { name: "shop", uid: "u1" }), undefined);
    assert.equal(releaseBindingMismatch(binding("u1"), { name: "shop", uid: "u1" }), undefined);
  });
  it("refuses a release re-created under the bound name, naming both uids and the fix", () => {
    assert.match(
      releaseBindingMismatch(binding("u1"), { name: "shop", uid: "u2" }) ?? "",
      /uid u2\) is not the release this change is bound to \(uid u1\).*open a new change/,
    );
  });
});
