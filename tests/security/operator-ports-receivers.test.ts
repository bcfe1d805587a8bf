// Class 8, the event receivers: a bearer token speaks for one named sender within its scope. The operator runs as
// its own process serving one team's namespace, with four tokens: the team's own CI and Alertmanager, and another
// team's, scoped to their namespace. The other team's tokens are refused (403 naming the scope) for anything in
// this namespace, nothing is written, and the attempt is on the audit trail under the token's name; a payload that
// claims another sender (a CloudEvent source, an Alertmanager receiver) is recorded as the token's name.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { WebhookTls } from "../../hack/local-cluster/webhook-tls.js";
import type { DeploymentTaskSpec } from "../../src/api/v1alpha1/deployment-task.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { createEnvironment, deleteIgnoringMissing } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { argoSyncs } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import type { OperatorProcess } from "../support/operator-process.js";
import { postToReceiver, type ReceiverAnswer, type ReceiverEndpoint } from "../support/receiver-client.js";
import { startReceiverOperator } from "../support/receiver-operator.js";
import { createRelease, syncRequested, waitForEnvState } from "../support/release-world.js";

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
const SHA = "5c5c5c5d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const OTHER_TEAM = `team-b-${hex(3)}`;
const TOKENS = {
  ownCi: `own-ci-${hex(12)}`,
  narrowCi: `narrow-ci-${hex(12)}`,
  otherCi: `other-ci-${hex(12)}`,
  ownAm: `own-am-${hex(12)}`,
  otherAm: `other-am-${hex(12)}`,
};

interface AuditLine {
  actor: string;
  action: string;
  object: { kind: string; namespace?: string; name: string };
  details: Record<string, unknown>;
}

describe("class 8: receiver tokens are scoped, and the actor is the token's name", () => {
  let admin: KubeClient;
  let namespace = "";
  let tls: WebhookTls;
  let operator: OperatorProcess;
  let receivers: ReceiverEndpoint;
  const suffix = hex(3);
  const prod = `prod-sc-${suffix}`;
  const gated = `gated-sc-${suffix}`;

  const post = (path: string, token: string, body: unknown): Promise<ReceiverAnswer> =>
    postToReceiver(receivers, path, JSON.stringify(body), {
      "Content-Type": path === "/alertmanager" ? "application/json" : "application/cloudevents+json",
      Authorization: `Bearer ${token}`,
    });

  const promoted = (id: string, source: string) => ({
    specversion: "1.0",
    id,
    source,
    type: "io.stagegate.build.promoted",
    data: { release: { name: "shop-pe", namespace }, environment: gated, revision: SHA },
  });

  const firing = (receiver: string, fingerprint: string) => {
    const labels = { alertname: "HighErrorRate", namespace, app: "shop" };
    return {
      version: "4",
      groupKey: '{}:{alertname="HighErrorRate"}',
      truncatedAlerts: 0,
      status: "firing",
      receiver,
      groupLabels: { alertname: "HighErrorRate" },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: "http://alertmanager.example.com",
      alerts: [
        {
          status: "firing",
          labels,
          annotations: { summary: "5xx above 20%." },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: "0001-01-01T00:00:00Z",
          fingerprint,
        },
      ],
    };
  };

  async function auditLines(): Promise<AuditLine[]> {
    const text = await readFile(operator.auditFile, "utf8");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as AuditLine);
  }

  async function tasks(): Promise<
    { name: string; spec: DeploymentTaskSpec & { alert?: { fingerprint: string } } }[]
  > {
    const { items } = await admin.list(resources.deploymentTask, { namespace });
    return items.map((t) => ({
      name: t.metadata.name,
      spec: t.spec as DeploymentTaskSpec & { alert?: { fingerprint: string } },
    }));
  }

  before(
    async () => {
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "ports-tokens");
      await createEnvironment({ admin, namespace }, prod, {});
      await createEnvironment({ admin, namespace }, gated, { gate: { requiredChecks: ["SecurityScan"] } });
      await createArgoApplication({ admin, namespace }, "shop-prod");
      // The Release controller stalls on its first stage (no target there), so only pipeline events open the
      // check tasks of the gated one, bound to its target there as the controller would bind them.
      await createRelease({ admin, namespace }, "shop-pe", {
        version: "1.0.0",
        revision: SHA,
        pipeline: [prod, gated],
        targets: [{ environment: gated, argoCD: { name: "shop-pe-gated", namespace, revision: SHA } }],
      });
      const started = await startReceiverOperator({
        namespace,
        tokens: {
          pipelineEvents: [
            { name: "team-a-ci", token: TOKENS.ownCi, namespaces: [namespace] },
            {
              name: "team-a-narrow-ci",
              token: TOKENS.narrowCi,
              namespaces: [namespace],
              releases: ["shop-other"],
            },
            { name: "team-b-ci", token: TOKENS.otherCi, namespaces: [OTHER_TEAM] },
          ],
          alertmanager: [
            { name: "team-a-alertmanager", token: TOKENS.ownAm, namespaces: [namespace] },
            { name: "team-b-alertmanager", token: TOKENS.otherAm, namespaces: [OTHER_TEAM] },
          ],
        },
        readyController: "release",
      });
      ({ process: operator, tls, endpoint: receivers } = started);
      const scope = { admin, namespace };
      await createRelease(scope, "shop-1", {
        version: "1.4.0",
        revision: SHA,
        pipeline: [prod],
        targets: [
          {
            environment: prod,
            argoCD: { name: "shop-prod", namespace, revision: SHA },
            alertSelector: { matchLabels: { namespace, app: "shop" } },
          },
        ],
        owners: { releaseManager: { name: "dave" }, rollbackOwner: { kind: "User", name: "olga" } },
      });
      await syncRequested(scope, "shop-prod", SHA);
      await argoSyncs(admin, { name: "shop-prod", namespace }, { revision: SHA });
      await waitForEnvState(scope, "shop-1", prod, "Verified", 60_000);
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await operator?.stop();
    if (admin !== undefined) {
      for (const name of [prod, gated]) await deleteIgnoringMissing(admin, resources.environment, name);
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
    await tls?.remove();
  });

  it("refuses another team's CI token for a release in this namespace: 403, no task, audited", async () => {
    const answer = await post(
      "/pipeline-events",
      TOKENS.otherCi,
      promoted("b-1", "https://ci.example.com/shop"),
    );
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    assert.equal(answer.body.reason, "OutOfScope");
    assert.match(
      String(answer.body.message),
      new RegExp(`token team-b-ci is scoped to namespaces \\[${OTHER_TEAM}\\], not ${namespace}`),
    );
    assert.deepEqual(
      (await tasks()).filter((t) => t.spec.releaseRef?.name === "shop-pe"),
      [],
      "no check task was opened",
    );
    const refused = (await auditLines()).filter(
      (e) => e.action === "ReceiverRequestRefused" && e.details.eventId === "b-1",
    );
    assert.deepEqual(
      refused.map((e) => [e.actor, e.object.namespace, e.object.name, e.details.reason]),
      [["pipeline:team-b-ci", namespace, "shop-pe", "OutOfScope"]],
    );
  });

  it("refuses this team's token scoped to another release: 403 naming the releases", async () => {
    const answer = await post(
      "/pipeline-events",
      TOKENS.narrowCi,
      promoted("n-1", "https://ci.example.com/shop"),
    );
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    assert.match(
      String(answer.body.message),
      /token team-a-narrow-ci is scoped to releases \[shop-other\], not shop-pe/,
    );
    assert.equal((await tasks()).filter((t) => t.spec.releaseRef?.name === "shop-pe").length, 0);
    assert.ok(
      (await auditLines()).some(
        (e) => e.actor === "pipeline:team-a-narrow-ci" && e.details.eventId === "n-1",
      ),
    );
  });

  it("records the team's own CI event under its token's name, not the source the event claims", async () => {
    const claimed = "https://ci.example.com/alice";
    const answer = await post("/pipeline-events", TOKENS.ownCi, promoted("a-1", claimed));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const received = (await auditLines()).filter(
      (e) => e.action === "PipelineEventReceived" && e.details.eventId === "a-1",
    );
    assert.ok(received.length > 0);
    for (const entry of received) {
      assert.equal(entry.actor, "pipeline:team-a-ci");
      assert.equal(entry.details.source, claimed, "the claim is kept as a detail only");
    }
  });

  it("refuses another team's Alertmanager token for an alert on a release here: 403, no rollback task, audited", async () => {
    const fingerprint = hex(8);
    const answer = await post("/alertmanager", TOKENS.otherAm, firing("team-a-pager", fingerprint));
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    assert.equal(answer.body.reason, "OutOfScope");
    const results =
      (answer.body.alerts as { results: { outcome: string; message: string }[] }[])[0]?.results ?? [];
    assert.deepEqual(
      results.map((r) => r.outcome),
      ["out-of-scope"],
    );
    assert.match(
      results[0]?.message ?? "",
      new RegExp(`team-b-alertmanager is scoped to namespaces \\[${OTHER_TEAM}\\]`),
    );
    assert.deepEqual(
      (await tasks()).filter((t) => t.spec.alert?.fingerprint === fingerprint),
      [],
      "no Rollback task was opened",
    );
    const refused = (await auditLines()).filter(
      (e) => e.action === "ReceiverRequestRefused" && e.actor === "alertmanager:team-b-alertmanager",
    );
    assert.deepEqual(
      refused.map((e) => [e.object.namespace, e.object.name]),
      [[namespace, "shop-1"]],
    );
  });

  it("opens the rollback task for the team's own Alertmanager, recorded under its token's name", async () => {
    const fingerprint = hex(8);
    const answer = await post("/alertmanager", TOKENS.ownAm, firing("alice-claims-this", fingerprint));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [task] = (await tasks()).filter((t) => t.spec.alert?.fingerprint === fingerprint);
    assert.ok(task !== undefined, "the Rollback task was opened");
    assert.match(task.spec.description ?? "", /Reported by alertmanager:team-a-alertmanager/);
    const opened = (await auditLines()).filter(
      (e) => e.action === "RollbackTaskOpened" && e.object.name === task.name,
    );
    assert.deepEqual(
      opened.map((e) => [e.actor, e.details.receiver]),
      [["alertmanager:team-a-alertmanager", "alice-claims-this"]],
    );
  });
});
