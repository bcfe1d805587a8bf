// Gate integrity, class 3: a gated environment approves one immutable artifact. Where an Environment lets the
// operator resolve branches and tags (gate.mutableRevisions: Resolve), the operator reads the ref from the real
// repository (served by git daemon on loopback) once, records the commit, and that commit is what is approved and
// deployed, whatever the ref does afterwards. Each attempt is made by dave, a release manager of this namespace
// only; each asserts the refusal, the delivery object untouched, and the audit entry.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChangeRequestSpec } from "../../src/api/v1alpha1/change-request.js";
import { ReleaseStatus } from "../../src/api/v1alpha1/release.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { argoSyncs } from "../support/gitops-driver.js";
import { serveGitRepository, type GitServer } from "../support/git-server.js";
import { waitFor } from "../support/kube.js";
import {
  WAIT_MS,
  argoTarget,
  assertDenied,
  createApplication,
  daveCreatesRelease,
  gatedFor,
  settledVersion,
  startGateWorld,
  versionOf,
  waitForAudit,
  waitForEntry,
  type GateWorld,
} from "./gate-world.js";

const APP = deliveryResources.argoCDApplication;

describe(
  "gate integrity: branches and tags are resolved once, and the commit is what is approved",
  { timeout: 600_000 },
  () => {
    let world: GateWorld;
    let git: GitServer;
    let configDir = "";
    const w = (): GateWorld => world;
    /** A gated environment that keeps the default (Refuse), beside prod that resolves. */
    let strict = "";

    before(async () => {
      git = await serveGitRepository("shop", [
        { name: "Bob Builder", email: "bob@example.com", message: "SHOP-1 basket" },
        { name: "Carol Coder", email: "carol@example.com", message: "SHOP-2 checkout" },
      ]);
      await git.tag("v1.0.0", git.shas[0] ?? "");
      configDir = await mkdtemp(join(tmpdir(), "stagegate-resolve-"));
      const config = join(configDir, "commit-authors.yaml");
      await writeFile(
        config,
        ["readFromGit: true", 'allowedRepositories: ["git://127.0.0.1:"]', "unmappedAuthors: Allow", ""].join(
          "\n",
        ),
      );
      world = await startGateWorld("gate-resolve", { mutableRevisions: "Resolve" }, [
        `--commit-authors-config=${config}`,
      ]);
      strict = `${world.prod}-strict`;
      world.environments.push(strict);
      await world.admin.create(resources.environment, {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Environment",
        metadata: { name: strict },
        spec: {
          promotesFrom: [world.dev],
          delivery: { argoCDApplications: { namespaces: [world.namespace] } },
          gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } },
        },
      });
    });
    after(async () => {
      await world?.stop();
      await git?.stop();
      await rm(configDir, { recursive: true, force: true });
    });

    /** A release of the served repository at `ref` through dev and `prod`, each target naming the same ref. */
    const refRelease = (name: string, ref: string, prod = w().prod) => ({
      version: "1.0.0",
      revision: ref,
      repoURL: git.url,
      pipeline: [w().dev, prod],
      targets: [argoTarget(w(), w().dev, `${name}-dev`, ref), argoTarget(w(), prod, `${name}-prod`, ref)],
    });

    async function statusOf(name: string): Promise<ReleaseStatus> {
      const obj = await w().admin.get(resources.release, name, w().namespace);
      return ReleaseStatus.parse(obj.status ?? {});
    }

    /** Plays Argo CD: completes Stagegate's sync of `app` once one is requested, and returns its revision. */
    async function syncWhenAsked(app: string): Promise<string> {
      const revision = await waitFor(
        `Stagegate to ask ${app} to sync`,
        async () => {
          const op = (await w().admin.get(APP, app, w().namespace)).operation as
            { sync?: { revision?: string } } | undefined;
          return op?.sync?.revision;
        },
        { timeoutMs: WAIT_MS },
      );
      await argoSyncs(w().admin, { name: app, namespace: w().namespace }, { revision });
      return revision;
    }

    it("refuses a branch in a gated environment that does not resolve refs, naming the setting that would", async () => {
      await createApplication(w(), "strict-dev", w().dev);
      await createApplication(w(), "strict-prod", strict);
      const before = await versionOf(w(), APP, "strict-prod");
      const message = await assertDenied(
        daveCreatesRelease(w(), "strict", refRelease("strict", "main", strict)),
        "MutableRevision",
        /spec.source.revision "main" is not a full commit id/,
      );
      assert.match(message, /gate.mutableRevisions: Resolve/);
      assert.equal(await versionOf(w(), APP, "strict-prod"), before);
      await waitForAudit(
        w(),
        "AdmissionDenied",
        (e) => e.actor === "dave" && e.object.name === "strict" && e.details.rule === "MutableRevision",
      );
    });

    it("refuses an abbreviated commit id even where refs are resolved", async () => {
      const short = (git.shas[1] ?? "").slice(0, 10);
      const message = await assertDenied(
        daveCreatesRelease(w(), "abbreviated", refRelease("abbreviated", short)),
        "MutableRevision",
        new RegExp(`"${short}" looks like an abbreviated commit id`),
      );
      assert.match(message, /set the full commit id/);
      await waitForAudit(
        w(),
        "AdmissionDenied",
        (e) => e.actor === "dave" && e.object.name === "abbreviated" && e.details.rule === "MutableRevision",
      );
    });

    it("approves and deploys the commit main pointed to, even after main moves", async () => {
      await createApplication(w(), "moving-dev", w().dev);
      await createApplication(w(), "moving-prod", w().prod);
      const head = git.shas[1] ?? "";
      await daveCreatesRelease(w(), "moving", refRelease("moving", "main"));
      const resolved = await waitFor(
        "the release's branch to be resolved",
        async () => (await statusOf("moving")).source,
        { timeoutMs: WAIT_MS },
      );
      assert.deepEqual(
        { ref: resolved.ref, commit: resolved.commit, repoURL: resolved.repoURL },
        { ref: "main", commit: head, repoURL: git.url },
      );
      await waitForAudit(
        w(),
        "RevisionResolved",
        (e) => e.object.name === "moving" && e.details.commit === head && e.details.ref === "main",
      );
      assert.equal(await syncWhenAsked("moving-dev"), head, "dev syncs the resolved commit, not the branch");
      await waitForEntry(w(), "moving", w().prod, (e) => e.state === "Gated");

      // The change records the commit, not the branch: that is what the approver approves.
      const change = await waitFor(
        "the operator's change for prod",
        async () => {
          const list = await w().admin.list(resources.changeRequest, { namespace: w().namespace });
          return list.items.find(
            (cr) => ChangeRequestSpec.safeParse(cr.spec).data?.releaseRef.name === "moving",
          );
        },
        { timeoutMs: WAIT_MS },
      );
      const binding = ChangeRequestSpec.parse(change.spec).binding;
      assert.equal(binding?.artifact.commit, head);
      assert.equal(binding?.target.revision, head);

      // main moves after the request; the approval still covers (and deploys) exactly the resolved commit.
      const moved = await git.advance({
        name: "Mallory",
        email: "mallory@example.com",
        message: "SHOP-3 late",
      });
      assert.notEqual(moved, head);
      const approval = await waitFor(
        "the Approval of the prod change",
        async () => {
          const cr = await w().admin.get(resources.changeRequest, change.metadata.name, w().namespace);
          return (cr.status as { approvalRef?: { name: string } } | undefined)?.approvalRef?.name;
        },
        { timeoutMs: WAIT_MS },
      );
      await w().alice.patch(
        resources.approval,
        approval,
        w().namespace,
        { spec: { decisions: { alice: { decision: "Approve", comment: "Ship it." } } } },
        { type: "merge" },
      );
      assert.equal(
        await syncWhenAsked("moving-prod"),
        head,
        "prod syncs the approved commit, not main's new tip",
      );
      await waitForEntry(w(), "moving", w().prod, (e) => e.state === "Verified" && e.revision === head);
      assert.equal(
        (await statusOf("moving")).source?.commit,
        head,
        "the resolution never moves with the ref",
      );

      // dave cannot put another commit on the record as what main resolved to: only the operator writes status.
      await assert.rejects(
        w().dave.patch(
          resources.release,
          "moving",
          w().namespace,
          { status: { source: { ...resolved, commit: "f".repeat(40) } } },
          { type: "merge", subresource: "status" },
        ),
        /forbidden/i,
      );
      assert.equal(
        (await statusOf("moving")).source?.commit,
        head,
        "the recorded resolution is the operator's",
      );

      // dave moves the release to another branch: it is resolved anew, and the used approval covers none of it.
      const hotfix = await git.advance({
        name: "Bob Builder",
        email: "bob@example.com",
        message: "fix",
        branch: "hotfix",
      });
      const settled = await settledVersion(w(), "moving-prod");
      await w().dave.patch(
        resources.release,
        "moving",
        w().namespace,
        {
          spec: {
            source: { revision: "hotfix" },
            targets: [
              argoTarget(w(), w().dev, "moving-dev", "hotfix"),
              argoTarget(w(), w().prod, "moving-prod", "hotfix"),
            ],
          },
        },
        { type: "merge" },
      );
      await waitFor(
        "the new branch to be resolved",
        async () => ((await statusOf("moving")).source?.commit === hotfix ? true : undefined),
        { timeoutMs: WAIT_MS },
      );
      assert.equal(await syncWhenAsked("moving-dev"), hotfix);
      await waitForEntry(
        w(),
        "moving",
        w().prod,
        gatedFor(/ChangeRequest \S+ is awaiting a decision|has not been opened yet/),
      );
      assert.equal(
        await versionOf(w(), APP, "moving-prod"),
        settled,
        "no sync before the new commit is approved",
      );
    });

    it("resolves a tag to the commit it names", async () => {
      await createApplication(w(), "tagged-dev", w().dev);
      await createApplication(w(), "tagged-prod", w().prod);
      await daveCreatesRelease(w(), "tagged", refRelease("tagged", "v1.0.0"));
      assert.equal(await syncWhenAsked("tagged-dev"), git.shas[0]);
      // The status is written after the sync request of the same pass.
      const resolved = await waitFor(
        "the tag's resolution on the status",
        async () => (await statusOf("tagged")).source,
        { timeoutMs: WAIT_MS },
      );
      assert.deepEqual([resolved.ref, resolved.commit], ["v1.0.0", git.shas[0]]);
    });

    it("holds the gate, writing nothing, when the ref is not in the repository", async () => {
      await createApplication(w(), "ghost-dev", w().dev);
      await createApplication(w(), "ghost-prod", w().prod);
      const before = await versionOf(w(), APP, "ghost-prod");
      await daveCreatesRelease(w(), "ghost", refRelease("ghost", "no-such-branch"));
      await syncWhenAsked("ghost-dev");
      const entry = await waitForEntry(
        w(),
        "ghost",
        w().prod,
        gatedFor(
          /could not resolve "no-such-branch" in git:\/\/.*no branch or tag of that name.*fix spec.source.revision/,
        ),
      );
      assert.ok(entry.reasons !== undefined);
      assert.equal((await statusOf("ghost")).source, undefined);
      assert.equal(await versionOf(w(), APP, "ghost-prod"), before, "nothing was written to prod");
      await waitForAudit(
        w(),
        "GateRefused",
        (e) => e.object.name === "ghost" && e.details.reason === "MutableRevision",
      );
    });

    it("never fetches a repository outside the operator's allowed repositories", async () => {
      await createApplication(w(), "foreign-dev", w().dev);
      await createApplication(w(), "foreign-prod", w().prod);
      const before = await versionOf(w(), APP, "foreign-prod");
      await daveCreatesRelease(w(), "foreign", {
        ...refRelease("foreign", "main"),
        repoURL: "https://git.example.com/shop.git",
      });
      await syncWhenAsked("foreign-dev");
      await waitForEntry(
        w(),
        "foreign",
        w().prod,
        gatedFor(/the operator may not read https:\/\/git.example.com\/shop.git.*allowedRepositories/),
      );
      assert.equal(await versionOf(w(), APP, "foreign-prod"), before);
      await waitForAudit(
        w(),
        "GateRefused",
        (e) => e.object.name === "foreign" && e.details.reason === "MutableRevision",
      );
    });
  },
);
