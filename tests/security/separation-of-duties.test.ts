// Class 6 of issue 9: separation of duties holds against the people who made the change. The operator runs as its
// own process (the `operator` identity, its webhooks registered with the API server), reads commit authors from a
// real git repository served on loopback, and maps them to users through its --commit-authors-config file. Each
// attempt is made by the least-privileged identity that could make it, and asserts: refused (naming the rule and
// the fix), the protected object's spec unchanged (generation), and the attempt on the operator's audit trail.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApprovalStatus } from "../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec } from "../../src/api/v1alpha1/change-request.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { approveWithKubectl } from "../e2e/promotion-people.js";
import { kubectl } from "../support/cluster.js";
import { createEnvironment } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { serveGitRepository, type GitServer } from "../support/git-server.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import {
  CHANGES,
  denialOnTrail,
  heldChange,
  operatorChange,
  refusedApproval,
  sodRelease,
  STEP_MS,
  trail,
  type SodWorld,
} from "./separation-of-duties-world.js";

const suffix = randomBytes(3).toString("hex");
const PROD = `sod-${suffix}-prod`;
/** An Environment created only after the relay release was handed on, so its change opens afterwards. */
const LATER = `sod-${suffix}-later`;

let admin: KubeClient;
let alice: KubeClient;
let dave: KubeClient;
let namespace: string;
let operator: E2eOperator | undefined;
let git: GitServer | undefined;
let configDir: string | undefined;
let w: SodWorld;

describe("separation of duties holds against the people who made the change", () => {
  let approvalName = "";

  before(async () => {
    admin = await clientFor("admin");
    alice = await clientFor("alice");
    dave = await clientFor("dave");
    namespace = await createTestNamespace(admin, "sod");
    // alice approves for the team and also manages its releases in this namespace: both duties, one person.
    await admin.create(
      {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "rolebindings",
        kind: "RoleBinding",
        namespaced: true,
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "alice-release-manager", namespace },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "stagegate-release-manager",
        },
        subjects: [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }],
      },
      namespace,
    );
    git = await serveGitRepository("shop", CHANGES);
    configDir = await mkdtemp(join(tmpdir(), "stagegate-sod-"));
    const config = join(configDir, "commit-authors.yaml");
    await writeFile(
      config,
      [
        "readFromGit: true",
        'allowedRepositories: ["git://127.0.0.1:"]',
        "unmappedAuthors: Deny",
        "identities:",
        "  bob@example.com: bob",
        "  carol@corp.example: carol",
        "  grace@example.com: grace@example.com",
        "",
      ].join("\n"),
    );
    // separationOfDuties is left unset: a gate that requires approvals has it on by default.
    await createEnvironment({ admin, namespace }, PROD, {
      gate: { requiredApprovals: 1, approvers: { users: ["erin"], groups: ["approvers"] } },
    });
    operator = await startE2eOperator(admin, namespace, { flags: [`--commit-authors-config=${config}`] });
    w = { admin, namespace, git, auditFile: operator.process.auditFile };
    await createArgoApplication({ admin, namespace }, "shop-prod", { repoURL: git.url });
    await createArgoApplication({ admin, namespace }, "tweak-prod", { repoURL: git.url });
    await createArgoApplication({ admin, namespace }, "relay-prod", { repoURL: git.url });
    await createArgoApplication({ admin, namespace }, "elsewhere-prod");
    // alice declares the release at main's tip (bob, carol and grace wrote it).
    await alice.create(
      resources.release,
      sodRelease(w, "shop", git.shas[2] ?? "", "shop-prod", PROD),
      namespace,
    );
    const change = await operatorChange(w, "shop");
    const requested = ChangeRequestSpec.parse(change.spec).requestedBy?.username;
    assert.equal(requested, "stagegate-operator", "the change is the operator's, not alice's");
    approvalName = await waitFor(
      "the Approval of the shop change",
      async () => {
        const name = change.metadata.name ?? "";
        const found = await admin.get(resources.approval, name, namespace).catch(() => undefined);
        return found === undefined ? undefined : name;
      },
      { timeoutMs: STEP_MS },
    );
  });

  after(async () => {
    await operator?.stop();
    await git?.stop();
    if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
    await admin?.delete(resources.environment, PROD).catch(() => undefined);
    await admin?.delete(resources.environment, LATER).catch(() => undefined);
    alice?.close();
    dave?.close();
    admin?.close();
  });

  it("stamps the declarer of a Release from the request's identity", async () => {
    const stored = await admin.get(resources.release, "shop", namespace);
    assert.deepEqual((stored.spec as { declaredBy?: unknown }).declaredBy, {
      username: "alice",
      groups: ["approvers", "system:authenticated"],
      earlier: [],
    });
  });

  it("refuses the release's declarer approving the change the operator opened for it", async () => {
    await refusedApproval(w, "alice", "alice", approvalName, /declared the release/);
  });

  it("refuses a commit author the Release left out of spec.source.commits (found in git)", async () => {
    await refusedApproval(w, "grace", "grace@example.com", approvalName, /authored commit/);
  });

  it("refuses a git author mapped to a Kubernetes user through the identity mapping", async () => {
    await refusedApproval(w, "carol", "carol", approvalName, /mapped from git author carol@corp\.example/);
  });

  it("records on the trail where the authors came from and how they were mapped", () => {
    const opened = trail(w).find((e) => e.action === "ApprovalOpened" && e.object.name === approvalName);
    assert.ok(opened, "ApprovalOpened is on the trail");
    const duties = opened.details.separationOfDuties as Record<string, unknown>;
    assert.match(String(duties.authorsFrom), /^git git:\/\/127\.0\.0\.1:\d+\/shop [0-9a-f]{40}$/);
    assert.deepEqual(duties.mapped, {
      "bob@example.com": "bob",
      "carol@corp.example": "carol",
      "grace@example.com": "grace@example.com",
    });
    assert.match(String(duties.identityMapping), /^sha256:[0-9a-f]{64}$/);
    // Read from the repository, not the Release: where the change's lead time starts (ADR 0042).
    assert.equal(duties.firstCommitAt, "2026-11-20T08:15:00.000Z");
    // Nothing ran in the environment before: the range is the revision's whole history, no change set (ADR 0050).
    assert.equal(duties.changeSet, undefined);
  });

  it("denies alice creating a release that names bob as its declarer", async () => {
    const forged = sodRelease(w, "forged", git?.shas[2] ?? "", "shop-prod", PROD, {
      declaredBy: { username: "bob", groups: ["developers"], earlier: [] },
    });
    await assert.rejects(
      alice.create(resources.release, forged, namespace),
      /DeclaredByForged: spec\.declaredBy is stamped by the server .*leave spec\.declaredBy out/,
    );
    await assert.rejects(admin.get(resources.release, "forged", namespace), /not ?found/i);
    await denialOnTrail(w, "alice", "forged", "DeclaredByForged");
  });

  it("denies a release manager rewriting the declarer of an existing release", async () => {
    const beforeObj = await admin.get(resources.release, "shop", namespace);
    const result = await kubectl("dave", [
      "patch",
      "release",
      "shop",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { declaredBy: { username: "erin", groups: [], earlier: [] } } }),
    ]);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /DeclaredByForged/);
    // The spec is untouched (the operator may write the status meanwhile, which moves the resourceVersion).
    const afterObj = await admin.get(resources.release, "shop", namespace);
    assert.equal(afterObj.metadata.generation, beforeObj.metadata.generation);
    assert.deepEqual(afterObj.spec, beforeObj.spec);
    await denialOnTrail(w, "dave", "shop", "DeclaredByForged");
  });

  it("holds a change whose commits carry an author the mapping does not know, naming the fix", async () => {
    await dave.create(
      resources.release,
      sodRelease(w, "tweak", git?.shas[3] ?? "", "tweak-prod", PROD),
      namespace,
    );
    const message = await heldChange(w, "tweak", "UnmappedCommitAuthor");
    assert.match(message, /mallory@elsewhere\.example maps to no Kubernetes user/);
    assert.match(message, /add each to identities in the operator's --commit-authors-config/);
  });

  it("holds a change whose repository the operator may not read, naming the fix", async () => {
    const elsewhere = sodRelease(w, "elsewhere", git?.shas[2] ?? "", "elsewhere-prod", PROD);
    elsewhere.spec.source = {
      ...(elsewhere.spec.source as object),
      repoURL: "https://git.example.com/shop.git",
    };
    await dave.create(resources.release, elsewhere, namespace);
    const message = await heldChange(w, "elsewhere", "RepositoryNotAllowed");
    assert.match(message, /may not read https:\/\/git\.example\.com\/shop\.git/);
    assert.match(message, /add its prefix to allowedRepositories/);
  });

  it("keeps barring alice after she has dave touch her release (earlier declarer)", async () => {
    await alice.create(
      resources.release,
      sodRelease(w, "relay", git?.shas[2] ?? "", "relay-prod", LATER),
      namespace,
    );
    const bump = await kubectl("dave", [
      "patch",
      "release",
      "relay",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { version: "1.0.1" } }),
    ]);
    assert.equal(bump.code, 0, bump.stderr);
    const stored = await admin.get(resources.release, "relay", namespace);
    assert.deepEqual((stored.spec as { declaredBy?: unknown }).declaredBy, {
      username: "dave",
      groups: ["release-managers", "system:authenticated"],
      earlier: ["alice"],
    });
    await createEnvironment({ admin, namespace }, LATER, {
      gate: { requiredApprovals: 1, approvers: { users: ["erin"], groups: ["approvers"] } },
    });
    const change = await operatorChange(w, "relay");
    const name = change.metadata.name ?? "";
    // Counted once by the operator, so its own status write does not race the refused attempt's version check.
    await waitFor(
      "the Approval of the relay change to be counted",
      async () => {
        const approval = await admin.get(resources.approval, name, namespace).catch(() => undefined);
        return (approval?.status as { outcome?: string } | undefined)?.outcome === undefined
          ? undefined
          : true;
      },
      { timeoutMs: STEP_MS },
    );
    await refusedApproval(w, "alice", "alice", name, /declared the release earlier/);
  });

  it("lets an approver with no part in the change approve it", async () => {
    const result = await approveWithKubectl("erin", "erin", namespace, approvalName, "reviewed, not mine");
    assert.equal(result.code, 0, result.stderr);
    const status = await waitFor(
      "the shop approval to be Approved",
      async () => {
        const obj = await admin.get(resources.approval, approvalName, namespace);
        const parsed = ApprovalStatus.parse(obj.status ?? {});
        return parsed.outcome === "Approved" ? parsed : undefined;
      },
      { timeoutMs: STEP_MS },
    );
    assert.equal(status.decidedBy, "erin");
    assert.ok(trail(w).some((e) => e.action === "DecisionRecorded" && e.actor === "erin"));
  });
});
