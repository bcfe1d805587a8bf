// Issue 9, classes 1 and 7: an object relabelled from one environment into another does not launder a deployment.
// Against the real API server and RBAC, with the operator as its own process and the driver playing Argo CD. mallory
// holds only edit on Argo CD Applications: she relabels the production Application into dev, whose scope is
// labels-only, and a dev release (no gate) then delivers to it. The dev release's claim is no authority in prod: the
// production release reports the revision as unapproved, with the fix, on its condition and the audit trail.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../support/cluster.js";
import { createEnvironment, deleteIgnoringMissing } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { argoSyncs } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";
import { createRelease, syncRequested, waitForEnvState } from "../support/release-world.js";
import { grantApplicationEditor, trailEntries } from "./rollback-evidence-support.js";

const SHA1 = "5a5a5a5a9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "6b6b6b6b9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APP = deliveryResources.argoCDApplication;
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

describe("Classes 1 and 7: a relabelled delivery object launders nothing", () => {
  let admin: KubeClient;
  let mallory: KubeClient;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  const prod = `prod-moved-${hex(3)}`;
  const dev = `dev-moved-${hex(3)}`;
  const scope = () => ({ admin, namespace });

  function release(name: string, environment: string, sha: string) {
    return createRelease(scope(), name, {
      version: name,
      revision: sha,
      pipeline: [environment],
      targets: [{ environment, argoCD: { name: "shop", namespace, revision: sha } }],
      rollbackPolicy: { mode: "Manual" },
    });
  }

  async function delivered(name: string, environment: string, sha: string): Promise<void> {
    await release(name, environment, sha);
    await syncRequested(scope(), "shop", sha);
    await argoSyncs(admin, { name: "shop", namespace }, { revision: sha });
    await waitForEnvState(scope(), name, environment, "Verified", 60_000);
  }

  const conditionOf = async (name: string): Promise<Condition | undefined> =>
    (
      (await admin.get(resources.release, name, namespace)).status as { conditions?: Condition[] } | undefined
    )?.conditions?.find((c) => c.type === "UnapprovedDeployment");

  before(
    async () => {
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "sec-moved");
      await grantApplicationEditor(admin, namespace);
      mallory = await clientFor("mallory");
      const owns = (stage: string) => ({
        argoCDApplications: { namespaces: [namespace], matchLabels: { stage } },
      });
      await createEnvironment({ admin, namespace }, prod, { delivery: owns("prod") });
      await createEnvironment({ admin, namespace }, dev, { delivery: owns("dev") });
      await createArgoApplication(scope(), "shop");
      await admin.patch(
        APP,
        "shop",
        namespace,
        { metadata: { labels: { stage: "prod" } } },
        { type: "merge" },
      );
      operator = startOperator(kubeconfigPath("operator"), [
        `--namespace=${namespace}`,
        "--leader-elect=false",
      ]);
      await operator.waitForLog("Started workers", { controller: "release" });
      await delivered("shop-prod-1", prod, SHA1);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    for (const name of [prod, dev]) await deleteIgnoringMissing(admin, resources.environment, name);
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    mallory?.close();
    admin?.close();
  });

  it("mallory relabels the production Application into dev and a dev release delivers to it: prod reports it", async () => {
    assert.equal(await conditionOf("shop-prod-1"), undefined, "nothing to report before");
    await mallory.patch(
      APP,
      "shop",
      namespace,
      { metadata: { labels: { stage: "dev" } } },
      { type: "merge" },
    );
    await delivered("shop-dev-1", dev, SHA2);
    const found = await waitFor("shop-prod-1 to report the laundered revision", async () => {
      const c = await conditionOf("shop-prod-1");
      return c?.status === "True" && c.message.includes(`runs revision ${SHA2}`) ? c : undefined;
    });
    assert.equal(found.reason, "UnapprovedRevision");
    assert.match(
      found.message,
      /which no approved release authorised; .* roll it back, or promote that revision/,
    );
    assert.equal(await conditionOf("shop-dev-1"), undefined, "the dev release delivered what it was asked");
    const [entry] = await trailEntries(operator?.auditFile ?? "", "UnapprovedDeployment", "shop-prod-1");
    const deployments = entry?.details.deployments as { running: string }[] | undefined;
    assert.equal(deployments?.[0]?.running, SHA2);
  });
});
