import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { z } from "zod";
import type { ChangeType, Requester } from "../../../src/api/v1alpha1/change-request.js";
import type { GatePolicy, RiskClass } from "../../../src/api/v1alpha1/environment.js";
import type { Commit } from "../../../src/api/v1alpha1/release.js";
import {
  decideApprovalPath,
  excludedApprovers,
  type ApprovalPath,
} from "../../../src/controllers/change-control/approval-spec.js";
import type { GitAuthors } from "../../../src/controllers/change-control/separation-of-duties.js";
import { commits, environment } from "./change-request-fixtures.js";

const DAVE: Requester = { username: "dave", groups: ["release-managers"] };
const PROD: z.input<typeof GatePolicy> = {
  requiredApprovals: 2,
  approvers: { users: ["olga"], groups: ["approvers"] },
  cabRiskClasses: ["high", "critical"],
  emergency: { approverGroups: ["emergency-approvers"] },
};

interface Row {
  situation: string;
  type?: ChangeType;
  risk?: RiskClass;
  gate?: z.input<typeof GatePolicy>;
  regulated?: boolean;
  requester?: Requester | null;
  commits?: Commit[];
  /** What the operator read from the repository: a read that found no further commits unless given. */
  git?: GitAuthors;
  expected: ApprovalPath | { kind: ApprovalPath["kind"]; reason?: string; rule?: string };
}

/** The operator read the release's range from its repository and found no commits beyond those declared. */
const READ: GitAuthors = {
  state: "read",
  repoURL: "https://git.example.com/shop.git",
  range: "0000000..aaaaaa2",
  commits: [],
};
const OFF: GitAuthors = { state: "off" };

const rows: Row[] = [
  {
    situation:
      "a Normal medium change in regulated prod: 2 approvers, no CAB, requester and authors excluded",
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers"] },
        requiredGroups: [],
        excluded: [
          { user: "dave", reason: "requested the change" },
          { user: "bob@example.com", reason: "authored commits aaaaaa1, aaaaaa2" },
          { user: "Bob Builder", reason: "authored commits aaaaaa1, aaaaaa2" },
        ],
      },
    },
    commits: commits(2),
  },
  {
    situation: "a high-risk change needs the CAB group, which becomes eligible too",
    risk: "high",
    commits: [],
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers", "cab"] },
        requiredGroups: ["cab"],
        excluded: [{ user: "dave", reason: "requested the change" }],
      },
    },
  },
  {
    situation: "an Emergency change: 1 approval from the emergency approvers, no CAB even when critical",
    type: "Emergency",
    risk: "critical",
    commits: [],
    expected: {
      kind: "approval",
      spec: {
        required: 1,
        eligible: { users: [], groups: ["emergency-approvers"] },
        requiredGroups: [],
        excluded: [{ user: "dave", reason: "requested the change" }],
      },
    },
  },
  {
    situation: "separation of duties set off explicitly for an unregulated environment: nobody excluded",
    regulated: false,
    gate: { ...PROD, separationOfDuties: false },
    commits: commits(1),
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers"] },
        requiredGroups: [],
        excluded: [],
      },
    },
  },
  {
    situation: "separation of duties forced on in an unregulated environment",
    regulated: false,
    gate: { ...PROD, separationOfDuties: true },
    commits: [],
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers"] },
        requiredGroups: [],
        excluded: [{ user: "dave", reason: "requested the change" }],
      },
    },
  },
  {
    situation: "a Standard low change where the gate pre-approves up to low: approved by policy",
    type: "Standard",
    risk: "low",
    gate: { ...PROD, standardChanges: { preApproved: true } },
    expected: { kind: "policy", rule: "StandardChangePreApproved" },
  },
  {
    situation: "a Standard medium change above maxRisk low goes to the approvers",
    type: "Standard",
    risk: "medium",
    gate: { ...PROD, standardChanges: { preApproved: true } },
    expected: { kind: "approval" },
  },
  {
    situation: "a Standard change where pre-approval is off goes to the approvers",
    type: "Standard",
    risk: "low",
    expected: { kind: "approval" },
  },
  {
    situation: "a gate that needs no approvals and no CAB approves by policy",
    gate: { requiredApprovals: 0 },
    expected: { kind: "policy", rule: "NoApprovalsRequired" },
  },
  {
    situation: "a gate that needs no approvals still needs the CAB for a high-risk change (at least 1)",
    risk: "high",
    gate: { requiredApprovals: 0, cabRiskClasses: ["high"] },
    requester: DAVE,
    commits: [],
    expected: {
      kind: "approval",
      spec: {
        required: 1,
        eligible: { users: [], groups: ["cab"] },
        requiredGroups: ["cab"],
        excluded: [{ user: "dave", reason: "requested the change" }],
      },
    },
  },
  {
    situation: "an unstamped requester blocks when separation of duties applies",
    requester: null,
    expected: { kind: "blocked", reason: "RequesterUnknown" },
  },
  {
    situation: "nobody eligible blocks, naming spec.gate.approvers",
    gate: { requiredApprovals: 1 },
    expected: { kind: "blocked", reason: "NoEligibleApprovers" },
  },
  {
    situation: "an Emergency change without emergency approver groups blocks",
    type: "Emergency",
    gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } },
    expected: { kind: "blocked", reason: "NoEligibleApprovers" },
  },
  {
    situation:
      "regulated prod and the operator reads no git: held, authors only from the repository by default",
    git: OFF,
    commits: commits(2),
    expected: { kind: "blocked", reason: "CommitAuthorsUnverified" },
  },
  {
    situation:
      "regulated prod that accepts declared authors (commitAuthorSource: Declared) opens without git",
    git: OFF,
    gate: { ...PROD, commitAuthorSource: "Declared" },
    commits: commits(1),
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers"] },
        requiredGroups: [],
        excluded: [
          { user: "dave", reason: "requested the change" },
          { user: "bob@example.com", reason: "authored commit aaaaaa1" },
          { user: "Bob Builder", reason: "authored commit aaaaaa1" },
        ],
      },
    },
  },
  {
    situation: "an unregulated gated environment takes declared authors by default",
    git: OFF,
    regulated: false,
    commits: [],
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers"] },
        requiredGroups: [],
        excluded: [{ user: "dave", reason: "requested the change" }],
      },
    },
  },
  {
    situation: "an unregulated environment that asks for the repository is held without git",
    git: OFF,
    regulated: false,
    gate: { ...PROD, commitAuthorSource: "Repository" },
    expected: { kind: "blocked", reason: "CommitAuthorsUnverified" },
  },
  {
    situation: "separation of duties off: nothing to learn about authors, so no git is needed",
    git: OFF,
    gate: { ...PROD, separationOfDuties: false },
    expected: {
      kind: "approval",
      spec: {
        required: 2,
        eligible: { users: ["olga"], groups: ["approvers"] },
        requiredGroups: [],
        excluded: [],
      },
    },
  },
  {
    situation: "more exclusions than an Approval holds blocks",
    commits: Array.from({ length: 101 }, (_, i) => ({
      sha: `${(i + 1).toString(16).padStart(7, "0")}`,
      author: { name: `Author ${i}`, email: `a${i}@example.com` },
    })),
    expected: { kind: "blocked", reason: "TooManyExclusions" },
  },
];

describe("decideApprovalPath", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const path = decideApprovalPath({
        changeType: row.type ?? "Normal",
        riskClass: row.risk ?? "medium",
        environment: environment(row.gate ?? PROD, row.regulated ?? true),
        requester: row.requester === null ? undefined : (row.requester ?? DAVE),
        commits: row.commits ?? [],
        git: row.git ?? READ,
      });
      assert.equal(path.kind, row.expected.kind);
      if ("spec" in row.expected && path.kind === "approval") assert.deepEqual(path.spec, row.expected.spec);
      if ("reason" in row.expected && path.kind === "blocked") {
        assert.equal(path.reason, row.expected.reason);
        assert.match(path.message, /\.$/);
      }
      if ("rule" in row.expected && path.kind === "policy") assert.equal(path.rule, row.expected.rule);
    });
  }
});

describe("an Emergency change in an environment that takes authors from the repository", () => {
  it("is not held when the operator reads no git, and its evidence says its authors are unverified", () => {
    const path = decideApprovalPath({
      changeType: "Emergency",
      riskClass: "high",
      environment: environment(PROD, true),
      requester: DAVE,
      commits: commits(1),
      git: OFF,
    });
    assert.equal(path.kind, "approval");
    assert.match(
      path.kind === "approval" ? (path.evidence?.authorsFrom ?? "") : "",
      /unverified: an Emergency/,
    );
  });
});

describe("the change set in the evidence", () => {
  const decide = (git: GitAuthors, regulated = true) => {
    const path = decideApprovalPath({
      changeType: "Normal",
      riskClass: "medium",
      environment: environment(PROD, regulated),
      requester: DAVE,
      commits: [],
      git,
    });
    assert.equal(path.kind, "approval");
    return path.kind === "approval" ? path.evidence : undefined;
  };
  const authored = (sha: string) => ({
    sha,
    name: "Bob",
    email: "bob@example.com",
    authoredAt: "2026-11-20T08:15:00Z",
    source: "git" as const,
  });

  it("records how many commits git read between the running revision and the change's", () => {
    const evidence = decide({ ...READ, commits: [authored("aaaaaa1"), authored("aaaaaa2")] });
    assert.deepEqual(evidence?.changeSet, { commits: 2, range: "0000000..aaaaaa2" });
  });

  it("records none when nothing ran there before (the whole history is no change set) or git was not read", () => {
    assert.equal(decide({ ...READ, range: "aaaaaa2", commits: [authored("aaaaaa2")] })?.changeSet, undefined);
    assert.equal(decide(OFF, false)?.changeSet, undefined);
  });
});

describe("excludedApprovers", () => {
  it("dedupes authors case-insensitively, keeps the first spelling and lists at most three commits", () => {
    const list: Commit[] = [
      { sha: "1111111aa", author: { name: "Grace", email: "Grace@Example.com" } },
      { sha: "2222222bb", author: { name: "grace", email: "grace@example.com" } },
      { sha: "3333333cc", author: { name: "Grace", email: "grace@example.com" } },
      { sha: "4444444dd", author: { name: "GRACE" } },
      { sha: "5555555ee", author: { name: "Dave", email: "dave@example.com" } },
    ];
    assert.deepEqual(excludedApprovers(DAVE, list), [
      { user: "dave", reason: "requested the change and authored commit 5555555" },
      { user: "Grace@Example.com", reason: "authored commits 1111111, 2222222, 3333333" },
      { user: "Grace", reason: "authored commits 1111111, 2222222, 3333333 and 1 more" },
      { user: "dave@example.com", reason: "authored commit 5555555" },
    ]);
  });

  it("excludes nobody without a requester or commits", () => {
    assert.deepEqual(excludedApprovers(undefined, []), []);
  });
});
