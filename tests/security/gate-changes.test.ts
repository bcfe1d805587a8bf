// Gate integrity, classes 3 and 4: an approval covers one artifact, one target and one promotion, and names are
// never evidence. dave (release manager of this namespace) tries to reuse, forge and swap changes; alice (an
// approver) approves what she is shown. Real API server, the operator's webhooks, the operator as its process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChangeRequestSpec } from "../../src/api/v1alpha1/change-request.js";
import { ReleaseSpec } from "../../src/api/v1alpha1/release.js";
import { artifactOf } from "../../src/api/v1alpha1/release-binding.js";
import { changeRequestNameOf } from "../../src/controllers/release/names.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { isAlreadyExists, isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { waitFor } from "../support/kube.js";
import { releaseSpec } from "../support/release-world.js";
import {
  SHA_A,
  SHA_B,
  WAIT_MS,
  argoTarget,
  createApplication,
  daveCreatesRelease,
  gatedFor,
  settledVersion,
  startGateWorld,
  versionOf,
  waitForAudit,
  waitForEntry,
  type GateWorld,
  aliceApproves as approveAsAlice,
  syncWhenAsked as syncTo,
} from "./gate-world.js";

const APP = deliveryResources.argoCDApplication;

/** The `spec.source` releaseSpec writes for `input`, as parsed (digests defaulted). */
function sourceOf(input: { revision: string }): { revision: string; repoURL: string; digests: string[] } {
  const spec = releaseSpec({ version: "1.0.0", pipeline: [], ...input }) as {
    source: { revision: string; repoURL: string };
  };
  return { ...spec.source, digests: [] };
}

describe(
  "gate integrity: an approval binds one artifact, target and promotion; names are no evidence",
  { timeout: 900_000 },
  () => {
    let world: GateWorld;
    const w = (): GateWorld => world;

    before(async () => {
      world = await startGateWorld("gate-changes");
    });
    after(() => world?.stop());

    /** Creates `name`'s two Applications and the release (dev then prod at `revision`), and lets dev deploy. */
    async function releaseWaitingAtProd(name: string, revision = SHA_A): Promise<KubeObject> {
      await createApplication(w(), `${name}-dev`, w().dev);
      await createApplication(w(), `${name}-prod`, w().prod);
      const created = await daveCreatesRelease(w(), name, {
        version: "1.0.0",
        revision,
        pipeline: [w().dev, w().prod],
        targets: [
          argoTarget(w(), w().dev, `${name}-dev`, revision),
          argoTarget(w(), w().prod, `${name}-prod`, revision),
        ],
      });
      await syncWhenAsked(`${name}-dev`, revision);
      await waitForEntry(w(), name, w().prod, (e) => e.state === "Gated");
      return created;
    }

    const syncWhenAsked = (app: string, revision: string): Promise<void> => syncTo(w(), app, revision);
    const aliceApproves = (change: string): Promise<void> => approveAsAlice(w(), change);

    async function currentChange(release: string, promotion = 1): Promise<string> {
      const obj = await w().admin.get(resources.release, release, w().namespace);
      return changeRequestNameOf({ name: release, spec: ReleaseSpec.parse(obj.spec) }, w().prod, promotion);
    }

    it("does not count a change dave created under the expected name, even once an approver approved it", async () => {
      await createApplication(w(), "forged-dev", w().dev);
      await createApplication(w(), "forged-prod", w().prod);
      const input = {
        version: "1.0.0",
        revision: SHA_A,
        pipeline: [w().dev, w().prod],
        targets: [argoTarget(w(), w().dev, "forged-dev"), argoTarget(w(), w().prod, "forged-prod")],
      };
      const created = await daveCreatesRelease(w(), "forged", input);
      const name = changeRequestNameOf({ name: "forged", spec: ReleaseSpec.parse(created.spec) }, w().prod);
      // dave gets there first, copying everything the operator would write, the binding included.
      await w().dave.create(
        resources.changeRequest,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "ChangeRequest",
          metadata: {
            name,
            ownerReferences: [
              {
                apiVersion: "stagegate.io/v1alpha1",
                kind: "Release",
                name: "forged",
                uid: created.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: {
            releaseRef: { name: "forged" },
            environment: w().prod,
            type: "Normal",
            justification: "Routine release.",
            plannedWindow: { start: "2030-01-01T00:00:00Z", end: "2030-01-02T00:00:00Z" },
            binding: {
              release: { name: "forged", uid: created.metadata.uid },
              environment: w().prod,
              artifact: { commit: SHA_A, digests: [] },
              target: { kind: "Application", namespace: w().namespace, name: "forged-prod", revision: SHA_A },
            },
          },
        },
        w().namespace,
      );
      await syncWhenAsked("forged-dev", SHA_A);
      const before = await versionOf(w(), APP, "forged-prod");
      await aliceApproves(name);
      await waitFor(
        "dave's change to be Approved",
        async () => {
          const cr = await w().admin.get(resources.changeRequest, name, w().namespace);
          return (cr.status as { resolution?: string } | undefined)?.resolution === "Approved"
            ? true
            : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      const entry = await waitForEntry(
        w(),
        "forged",
        w().prod,
        gatedFor(
          new RegExp(
            `ChangeRequest ${name} cannot open this gate: it was requested by dave, not opened by Stagegate`,
          ),
        ),
      );
      assert.ok(
        entry.reasons?.some((r) => r.includes("Delete it")),
        JSON.stringify(entry),
      );
      await waitForAudit(
        w(),
        "GateRefused",
        (e) => e.object.name === "forged" && e.details.reason === "ChangeNotTrusted",
      );
      assert.equal(
        await versionOf(w(), APP, "forged-prod"),
        before,
        "the production Application was not written",
      );
    });

    it("does not count a change dave deleted and re-created with the operator's exact spec", async () => {
      await releaseWaitingAtProd("recreated");
      const name = await currentChange("recreated");
      const opened = await waitFor(
        "the operator's change",
        () => w().admin.get(resources.changeRequest, name, w().namespace),
        { timeoutMs: WAIT_MS },
      );
      const spec = ChangeRequestSpec.parse(opened.spec);
      assert.equal(spec.requestedBy?.username, "stagegate-operator", "admission stamped the operator");
      const { requestedBy: _stamped, ...copied } = spec;
      // The operator may open the change again between dave's delete and his create (it sees its change gone): then
      // dave deletes that one too and tries again, until his copy holds the name.
      await waitFor("dave's copy to take the change's name", async () => {
        await w()
          .dave.delete(resources.changeRequest, name, w().namespace)
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        try {
          return await w().dave.create(
            resources.changeRequest,
            {
              apiVersion: "stagegate.io/v1alpha1",
              kind: "ChangeRequest",
              metadata: { name, ownerReferences: opened.metadata.ownerReferences },
              spec: { ...copied, requestedBy: { username: "stagegate-operator", groups: [] } },
            },
            w().namespace,
          );
        } catch (err) {
          if (isAlreadyExists(err)) return undefined;
          throw err;
        }
      });
      const recreated = await w().admin.get(resources.changeRequest, name, w().namespace);
      assert.equal(
        ChangeRequestSpec.parse(recreated.spec).requestedBy?.username,
        "dave",
        "admission stamped dave, not what he typed",
      );
      const before = await versionOf(w(), APP, "recreated-prod");
      await waitForEntry(
        w(),
        "recreated",
        w().prod,
        gatedFor(/it was requested by dave, not opened by Stagegate/),
      );
      await waitForAudit(
        w(),
        "GateRefused",
        (e) => e.object.name === "recreated" && e.details.reason === "ChangeNotTrusted",
      );
      // The earlier change's Approval is never adopted by the re-created one (its decisions would carry over).
      const stored = await w().admin.get(resources.changeRequest, name, w().namespace);
      const approvalRef = (stored.status as { approvalRef?: { name: string } } | undefined)?.approvalRef;
      if (approvalRef !== undefined) {
        const approval = await w().admin.get(resources.approval, approvalRef.name, w().namespace);
        assert.ok(
          approval.metadata.ownerReferences?.some((r) => r.uid === stored.metadata.uid),
          "the Approval it counts is its own",
        );
      }
      assert.equal(await versionOf(w(), APP, "recreated-prod"), before);
    });

    it("asks anew when the target's revision changes after approval, and a used change never puts an old revision back", async () => {
      await releaseWaitingAtProd("moved");
      const first = await currentChange("moved");
      await aliceApproves(first);
      await syncWhenAsked("moved-prod", SHA_A);
      await waitForEntry(w(), "moved", w().prod, (e) => e.state === "Verified" && e.revision === SHA_A);

      // dave moves prod's target to another revision: the approval of SHA_A does not cover it.
      const prodTarget = (revision: string) => argoTarget(w(), w().prod, "moved-prod", revision);
      const devTarget = argoTarget(w(), w().dev, "moved-dev");
      const retarget = (revision: string) =>
        w().dave.patch(
          resources.release,
          "moved",
          w().namespace,
          { spec: { targets: [devTarget, prodTarget(revision)] } },
          { type: "merge" },
        );
      const before = await settledVersion(w(), "moved-prod");
      await retarget(SHA_B);
      const second = await currentChange("moved", 2);
      assert.notEqual(second, first);
      await waitForEntry(
        w(),
        "moved",
        w().prod,
        gatedFor(
          new RegExp(`ChangeRequest ${second} is (awaiting a decision|closed)|has not been opened yet`),
        ),
      );
      assert.equal(await versionOf(w(), APP, "moved-prod"), before, "no sync to the unapproved revision");
      await aliceApproves(second);
      await syncWhenAsked("moved-prod", SHA_B);
      await waitForEntry(w(), "moved", w().prod, (e) => e.state === "Verified" && e.revision === SHA_B);

      // Back to SHA_A: its change was approved and used once; it authorises nothing more.
      const settled = await settledVersion(w(), "moved-prod");
      await retarget(SHA_A);
      const third = await currentChange("moved", 3);
      assert.notEqual(third, first, "the way back asks under a new name");
      await waitForEntry(w(), "moved", w().prod, gatedFor(new RegExp(`${third}`)));
      const app = await w().admin.get(APP, "moved-prod", w().namespace);
      assert.equal(app.metadata.resourceVersion, settled, "the old revision was not put back");
      assert.equal(app.operation, undefined);
    });

    it("refuses dave's edits that would send the operator's change through another policy", async () => {
      await releaseWaitingAtProd("edited");
      const name = await currentChange("edited");
      await waitFor(
        "the operator's change",
        () => w().admin.get(resources.changeRequest, name, w().namespace),
        {
          timeoutMs: WAIT_MS,
        },
      );
      const before = await w().admin.get(resources.changeRequest, name, w().namespace);
      for (const [patch, refusal] of [
        [{ environment: w().dev }, /must name the environment and release of its binding/],
        [{ type: "Standard" }, /type of a change Stagegate opened cannot be edited/],
      ] as const) {
        await assert.rejects(
          w().dave.patch(resources.changeRequest, name, w().namespace, { spec: patch }, { type: "merge" }),
          refusal,
        );
      }
      const after = await w().admin.get(resources.changeRequest, name, w().namespace);
      assert.deepEqual(after.spec, before.spec, "the change is as the operator opened it");
    });

    it("reports a deployment whose path was changed at the approved revision as unapproved", async () => {
      // Someone with edit on Argo CD Applications (here the admin) points dev at another path, same revision.
      await releaseWaitingAtProd("repathed");
      await settledVersion(w(), "repathed-dev");
      await w().admin.patch(
        APP,
        "repathed-dev",
        w().namespace,
        { spec: { source: { path: "overlays/backdoor" } } },
        { type: "merge" },
      );
      await waitFor(
        "repathed to report the changed source as an UnapprovedDeployment",
        async () => {
          const obj = await w().admin.get(resources.release, "repathed", w().namespace);
          const conditions = (
            obj.status as { conditions?: { type: string; status: string; message: string }[] }
          )?.conditions;
          const found = conditions?.find((c) => c.type === "UnapprovedDeployment");
          return found?.status === "True" && /runs the approved revision .* changed since/.test(found.message)
            ? true
            : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      await waitForAudit(w(), "UnapprovedDeployment", (e) => e.object.name === "repathed");
    });

    it("asks anew, and records a new artifact in dev, when dave swaps the release's image digest", async () => {
      const digest = (n: string) => `sha256:${n.repeat(64)}`;
      await createApplication(w(), "swapped-dev", w().dev);
      await createApplication(w(), "swapped-prod", w().prod);
      const input = {
        version: "1.0.0",
        revision: SHA_A,
        pipeline: [w().dev, w().prod],
        targets: [argoTarget(w(), w().dev, "swapped-dev"), argoTarget(w(), w().prod, "swapped-prod")],
      };
      await w().dave.create(
        resources.release,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Release",
          metadata: { name: "swapped" },
          spec: { ...releaseSpec(input), source: { ...sourceOf(input), digests: [digest("a")] } },
        },
        w().namespace,
      );
      await syncWhenAsked("swapped-dev", SHA_A);
      await waitForEntry(w(), "swapped", w().prod, (e) => e.state === "Gated");
      const first = await currentChange("swapped");
      const before = await versionOf(w(), APP, "swapped-prod");
      // The image the approvers would look at is swapped for another one at the same commit.
      await w().dave.patch(
        resources.release,
        "swapped",
        w().namespace,
        { spec: { source: { digests: [digest("b")] } } },
        { type: "merge" },
      );
      const second = await currentChange("swapped");
      assert.notEqual(second, first, "another artifact asks under another name");
      const swapped = artifactOf({ source: { ...sourceOf(input), digests: [digest("b")] } });
      await waitFor(
        "dev to record the swapped artifact",
        async () => {
          const obj = await w().admin.get(resources.release, "swapped", w().namespace);
          const envs = (obj.status as { environments?: { name: string; artifact?: string }[] })?.environments;
          return envs?.find((e) => e.name === w().dev)?.artifact === swapped ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      await aliceApproves(first);
      await waitForEntry(
        w(),
        "swapped",
        w().prod,
        gatedFor(new RegExp(`ChangeRequest ${second} is awaiting a decision|has not been opened yet`)),
      );
      assert.equal(await versionOf(w(), APP, "swapped-prod"), before, "the old approval deployed nothing");
    });
  },
);
