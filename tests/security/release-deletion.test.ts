// Class 7: detection and rollbacks come from the release that promoted to a target last in its environment (only it
// speaks for the target, a later claim silences an earlier one), and its sealed Rollback tasks go with it when it is
// deleted (the garbage collector may delete them, ADR 0064). Deleting that release would silence both: nothing would
// report a hand sync of the production Application afterwards, and no record of who deleted it would be kept. This
// suite tries it as bob, a developer with the shipped release-manager role in the team's namespace (which grants
// delete on Releases), against the real API server and RBAC with the operator as its own process (its webhooks
// registered) and the driver playing Argo CD. His delete is refused and on the trail, and a hand sync afterwards is
// still reported; a release a later one superseded stays his to delete, and a platform administrator (who may edit
// Environments) may retire the one that runs.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { readAuditEntries } from "../e2e/promotion-audit.js";
import { createEnvironment } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { argoSyncs, handSync } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { createRelease, syncRequested, waitForEnvState } from "../support/release-world.js";

const SHA1 = "1c1c1c1c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "2d2d2d2d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA3 = "3e3e3e3e9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const STEP_MS = 60_000;
const prod = `prod-retire-${randomBytes(3).toString("hex")}`;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

describe("deleting the release that runs in an environment silences nothing", () => {
  let admin: KubeClient;
  let bob: KubeClient;
  let namespace: string;
  let operator: E2eOperator | undefined;
  const scope = () => ({ admin, namespace });
  const trail = () => readAuditEntries(operator?.process.auditFile ?? "");

  /** admin declares `name` at `sha` for the Application `app` in prod; the driver syncs it; it is Verified. */
  async function delivered(name: string, app: string, sha: string): Promise<void> {
    await createRelease(scope(), name, {
      version: name,
      revision: sha,
      pipeline: [prod],
      targets: [{ environment: prod, argoCD: { name: app, namespace, revision: sha } }],
      rollbackPolicy: { mode: "Manual" },
    });
    await syncRequested(scope(), app, sha);
    await argoSyncs(admin, { name: app, namespace }, { revision: sha });
    await waitForEnvState(scope(), name, prod, "Verified", STEP_MS);
  }

  /** Waits until the Release `name` is gone (the operator freed its locks and removed its finalizer). */
  function gone(name: string): Promise<true> {
    return waitFor(
      `Release ${name} to be gone`,
      async () => {
        try {
          await admin.get(resources.release, name, namespace);
          return undefined;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      { timeoutMs: STEP_MS },
    );
  }

  before(
    async () => {
      admin = await clientFor("admin");
      bob = await clientFor("bob");
      namespace = await createTestNamespace(admin, "sec-retire");
      // No gate to pass: what is at stake is what happens after a release ran, not how it got there.
      await createEnvironment({ admin, namespace }, prod, {});
      operator = await startE2eOperator(admin, namespace);
      await createArgoApplication(scope(), "shop");
      await createArgoApplication(scope(), "cart");
      await delivered("shop-1", "shop", SHA1);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    await admin?.delete(resources.environment, prod).catch(() => undefined);
    bob?.close();
    admin?.close();
  });

  it("refuses bob deleting the release that runs in prod, and a hand sync afterwards is still reported", async () => {
    await assert.rejects(bob.delete(resources.release, "shop-1", namespace), (err: Error) => {
      assert.match(err.message, /ReleaseStillRunning/);
      assert.match(err.message, /Argo CD Application .*\/shop in /);
      assert.match(err.message, /promote a newer release there/);
      return true;
    });
    const kept = await admin.get(resources.release, "shop-1", namespace);
    assert.equal(kept.metadata.deletionTimestamp, undefined);
    await waitFor("bob's refused delete on the trail", () =>
      trail().find(
        (e) =>
          e.action === "AdmissionDenied" &&
          e.actor === "bob" &&
          e.object.name === "shop-1" &&
          e.details.rule === "ReleaseStillRunning",
      ),
    );
    await handSync(admin, { name: "shop", namespace }, SHA3);
    const found = await waitFor(
      "shop-1 to report the hand sync",
      async () => {
        const status = (await admin.get(resources.release, "shop-1", namespace)).status as
          { conditions?: Condition[] } | undefined;
        const c = status?.conditions?.find((x) => x.type === "UnapprovedDeployment");
        return c?.status === "True" && c.message.includes(SHA3) ? c : undefined;
      },
      { timeoutMs: STEP_MS },
    );
    assert.equal(found.reason, "UnapprovedRevision");
  });

  it("lets bob delete a release that a later release superseded in prod", async () => {
    await delivered("cart-1", "cart", SHA1);
    await delivered("cart-2", "cart", SHA2);
    await bob.delete(resources.release, "cart-1", namespace);
    await gone("cart-1");
    await assert.rejects(bob.delete(resources.release, "cart-2", namespace), /ReleaseStillRunning/);
  });

  it("lets a platform administrator, who may edit Environments, retire the release that runs", async () => {
    await admin.delete(resources.release, "shop-1", namespace);
    await gone("shop-1");
  });
});
