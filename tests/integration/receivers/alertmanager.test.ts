// The operator as its own process serving POST /alertmanager over HTTPS, with every controller running: two
// releases of the shop go to prod through the same Argo CD Application (shop-0, then shop-1, which supersedes it),
// each declaring the prod alerts with an alertSelector. A real Alertmanager then delivers a firing alert (one
// Rollback task for shop-1, owned by its rollback owner, with the alert as evidence, none for shop-0) and its
// resolution (recorded on that task). Direct deliveries prove the idempotency (100 in a row, 10 at once), that a
// resolution never opens work, and that malformed payloads and bad tokens are refused without harm.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, afterEach, before, describe, it } from "node:test";
import type { WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import {
  ensureMonitoringBinaries,
  postAlerts,
  startAlertmanager,
  type StartedAlertmanager,
} from "../../../hack/monitoring/index.js";
import type { AlertEvidence, DeploymentTaskSpec } from "../../../src/api/v1alpha1/deployment-task.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { rollbackTaskName } from "../../../src/controllers/release/names.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { createEnvironment, deleteIgnoringMissing } from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import type { OperatorProcess } from "../../support/operator-process.js";
import { postToReceiver, type ReceiverAnswer, type ReceiverEndpoint } from "../../support/receiver-client.js";
import { startReceiverOperator } from "../../support/receiver-operator.js";
import { createRelease, syncRequested, waitForEnvState } from "../../support/release-world.js";

const TOKEN = `am-${randomBytes(12).toString("hex")}`;
const SHA0 = "0a0a0a0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA1 = "1b1b1b1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APPLICATION = "shop-prod";

interface Result {
  outcome: string;
  release?: string;
  environment?: string;
  task?: string;
  message: string;
}
interface Report {
  fingerprint: string;
  status: string;
  results: Result[];
}

type TaskSpec = DeploymentTaskSpec & { alert?: AlertEvidence };

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
const seconds = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, "Z");

describe("Alertmanager receiver (operator process, real Alertmanager)", () => {
  let admin: KubeClient;
  let namespace: string;
  let tls: WebhookTls;
  let operator: OperatorProcess;
  let alertmanager: StartedAlertmanager | undefined;
  let receivers: ReceiverEndpoint;
  let failed = false;
  const prod = `prod-am-${hex(3)}`;
  const rollbackOwner = { kind: "User", name: "olga" };

  function post(body: string, authorization: string | null = `Bearer ${TOKEN}`): Promise<ReceiverAnswer> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (authorization !== null) headers.Authorization = authorization;
    return postToReceiver(receivers, "/alertmanager", body, headers);
  }

  /** The labels the releases' alertSelector asks for, plus the alert's own. */
  const shopLabels = (alertname: string): Record<string, string> => ({
    alertname,
    namespace,
    app: "shop",
    severity: "page",
  });

  /** A version-4 notification of one alert, as Alertmanager would send it. */
  function notification(alert: {
    fingerprint: string;
    startsAt: string;
    status?: "firing" | "resolved";
    labels?: Record<string, string>;
    endsAt?: string;
  }): string {
    const status = alert.status ?? "firing";
    const labels = alert.labels ?? shopLabels("HighLatency");
    return JSON.stringify({
      version: "4",
      groupKey: `{}:{alertname="${labels.alertname ?? ""}"}`,
      truncatedAlerts: 0,
      status,
      receiver: "direct",
      groupLabels: { alertname: labels.alertname },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: "http://alertmanager.example.com",
      alerts: [
        {
          status,
          labels,
          annotations: { summary: "p99 latency above 2s." },
          startsAt: alert.startsAt,
          endsAt: alert.endsAt ?? "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus.example.com/graph?g0.expr=latency",
          fingerprint: alert.fingerprint,
        },
      ],
    });
  }

  async function rollbackTasks(fingerprint?: string): Promise<KubeObject[]> {
    const { items } = await admin.list(resources.deploymentTask, { namespace });
    return items.filter((task) => {
      const spec = task.spec as TaskSpec;
      return (
        spec.type === "Rollback" && (fingerprint === undefined || spec.alert?.fingerprint === fingerprint)
      );
    });
  }

  async function auditEntries(action: string): Promise<{ actor: string; object: { name: string } }[]> {
    const text = await readFile(operator.auditFile, "utf8");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { action: string; actor: string; object: { name: string } })
      .filter((entry) => entry.action === action);
  }

  /**
   * The task as the receiver's answer leaves it: created with the rollback controller's Manual notice on it (the
   * step and one log entry; ADR 0067), never patched since (generation 1).
   */
  async function assertNoticed(name: string): Promise<void> {
    const task = await admin.get(resources.deploymentTask, name, namespace);
    assert.equal(task.metadata.annotations?.["stagegate.io/rollback"], "ManualRollbackRequested");
    const log = (task.spec as TaskSpec).log ?? [];
    assert.equal(log.length, 1, JSON.stringify(log));
    assert.match(log[0]?.message ?? "", new RegExp(`^Rollback owner ${rollbackOwner.name}: roll `));
    assert.equal(task.metadata.generation, 1);
  }

  const reports = (answer: ReceiverAnswer): Report[] => answer.body.alerts as Report[];
  const outcomes = (answer: ReceiverAnswer): string[] =>
    reports(answer).flatMap((r) => r.results.map((x) => `${x.release ?? "-"}:${x.outcome}`));

  /** Creates a release, lets the operator request its sync, completes the sync as Argo CD, waits until deployed. */
  async function deploy(name: string, revision: string): Promise<void> {
    const scope = { admin, namespace };
    await createRelease(scope, name, {
      version: name === "shop-0" ? "1.3.0" : "1.4.0",
      revision,
      pipeline: [prod],
      targets: [
        {
          environment: prod,
          argoCD: { name: APPLICATION, namespace, revision },
          alertSelector: { matchLabels: { namespace, app: "shop" } },
        },
      ],
      owners: { releaseManager: { name: "dave" }, rollbackOwner },
    });
    await syncRequested(scope, APPLICATION, revision);
    await argoSyncs(admin, { name: APPLICATION, namespace }, { revision });
    await waitForEnvState(scope, name, prod, "Verified", 60_000);
  }

  before(
    async () => {
      await ensureMonitoringBinaries();
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "alertmanager");
      await createEnvironment({ admin, namespace }, prod, {});
      await createArgoApplication({ admin, namespace }, APPLICATION);
      const started = await startReceiverOperator({
        namespace,
        tokens: { alertmanager: [TOKEN] },
        readyController: "release",
      });
      ({ process: operator, tls, endpoint: receivers } = started);
      // shop-0 ran in prod first; shop-1 then replaced it on the same Application, so shop-1 is deployed there.
      await deploy("shop-0", SHA0);
      await deploy("shop-1", SHA1);
      alertmanager = await startAlertmanager({
        webhookUrl: `https://127.0.0.1:${receivers.port}/alertmanager`,
        bearerToken: TOKEN,
        tlsCaFile: tls.ca.certFile,
        groupBy: ["alertname"],
        groupWait: "1s",
        groupInterval: "1s",
        repeatInterval: "1h",
      });
    },
    { timeout: 240_000 },
  );

  afterEach((t) => {
    if ("passed" in t && t.passed === false) failed = true;
  });

  after(async () => {
    await alertmanager?.stop({ keepLogs: failed });
    await operator?.stop();
    if (admin !== undefined) {
      await deleteIgnoringMissing(admin, resources.environment, prod);
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
    if (!failed) await tls?.remove();
  });

  it("opens exactly one Rollback task from a real Alertmanager, then records the resolution on it", async () => {
    const am = alertmanager;
    assert.ok(am !== undefined);
    const startsAt = new Date(Date.now() - 60_000);
    const alert = {
      labels: shopLabels("HighErrorRate"),
      annotations: { summary: "More than 20% of requests fail.", description: "The 5xx ratio is 0.31." },
      startsAt: startsAt.toISOString(),
      generatorURL: "http://prometheus.example.com/graph?g0.expr=errors",
    };
    await postAlerts(am.url, [alert]);
    const [task] = await waitFor("the Rollback task of HighErrorRate", async () => {
      const tasks = (await rollbackTasks()).filter(
        (t) => (t.spec as TaskSpec).alert?.labels.alertname === "HighErrorRate",
      );
      return tasks.length > 0 ? tasks : undefined;
    });
    assert.ok(task !== undefined);
    const spec = task.spec as TaskSpec;
    const evidence = spec.alert;
    assert.ok(evidence !== undefined);
    assert.match(evidence.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(task.metadata.name, rollbackTaskName("shop-1", prod, evidence.fingerprint, startsAt));
    assert.equal(new Date(evidence.startsAt).getTime(), startsAt.getTime());
    assert.deepEqual(evidence.labels, alert.labels);
    assert.deepEqual(evidence.annotations, alert.annotations);
    assert.equal(evidence.generatorURL, alert.generatorURL);
    assert.equal(evidence.name, "HighErrorRate");
    assert.ok(evidence.receivedAt >= seconds(startsAt), evidence.receivedAt);
    assert.equal(evidence.resolvedAt, undefined);
    assert.equal(spec.type, "Rollback");
    assert.deepEqual(spec.releaseRef, { name: "shop-1" });
    assert.equal(spec.environment, prod);
    assert.deepEqual(spec.owners, [rollbackOwner]);
    assert.deepEqual(
      spec.checklist.map((i) => [i.name, i.state]),
      [["rolled-back", "Pending"]],
    );
    assert.equal(spec.title, "Roll back shop-1 in " + prod + ": More than 20% of requests fail.");
    assert.equal(task.metadata.labels?.["stagegate.io/release"], "shop-1");
    const owner = task.metadata.ownerReferences?.[0];
    assert.equal(owner?.kind, "Release");
    assert.equal(owner?.name, "shop-1");
    assert.equal(owner?.controller, true);
    // The receiver records the entry after the create succeeds, so the task can be seen before the entry is.
    const mine = await waitFor("the RollbackTaskOpened audit entry", async () => {
      const found = (await auditEntries("RollbackTaskOpened")).filter(
        (e) => e.object.name === task.metadata.name,
      );
      return found.length > 0 ? found : undefined;
    });
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.actor, "alertmanager:am-1", "the token's name, not the receiver the payload names");

    const endsAt = new Date(Date.now() - 1_000);
    await postAlerts(am.url, [{ ...alert, endsAt: endsAt.toISOString() }]);
    const resolved = await waitFor("the resolution on the Rollback task", async () => {
      const current = await admin.get(resources.deploymentTask, task.metadata.name, namespace);
      return (current.spec as TaskSpec).alert?.resolvedAt !== undefined ? current : undefined;
    });
    const resolvedAt = (resolved.spec as TaskSpec).alert?.resolvedAt ?? "";
    assert.equal(new Date(resolvedAt).getTime(), endsAt.getTime());
    const all = (await rollbackTasks()).filter(
      (t) => (t.spec as TaskSpec).alert?.fingerprint === evidence.fingerprint,
    );
    assert.equal(all.length, 1, "the resolution opened nothing");
    const resolutions = await waitFor("the AlertResolved audit entry", async () => {
      const found = (await auditEntries("AlertResolved")).filter((e) => e.object.name === task.metadata.name);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(resolutions.length, 1);
    assert.equal(
      (await rollbackTasks()).filter((t) => (t.spec as TaskSpec).releaseRef?.name === "shop-0").length,
      0,
    );
  });

  it("opens one task however often the same alert arrives: 100 in a row, 10 at once; a new start opens another", async () => {
    const fingerprint = hex(8);
    const startsAt = "2026-11-26T08:00:00.123456789Z";
    const body = notification({ fingerprint, startsAt });
    const sequential: string[] = [];
    for (let i = 0; i < 100; i++) {
      const answer = await post(body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      sequential.push(...outcomes(answer));
      if (i === 0) await assertNoticed(rollbackTaskName("shop-1", prod, fingerprint, new Date(startsAt)));
    }
    assert.deepEqual(sequential.slice(0, 4), [
      `${namespace}/shop-0:not-deployed`,
      `${namespace}/shop-1:opened`,
      `${namespace}/shop-0:not-deployed`,
      `${namespace}/shop-1:duplicate`,
    ]);
    assert.equal(sequential.filter((o) => o.endsWith("shop-1:opened")).length, 1);
    assert.equal(sequential.filter((o) => o.endsWith("shop-1:duplicate")).length, 99);
    assert.equal(sequential.filter((o) => o.endsWith("shop-0:not-deployed")).length, 100);
    assert.equal((await rollbackTasks(fingerprint)).length, 1);

    const fresh = hex(8);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => post(notification({ fingerprint: fresh, startsAt }))),
    );
    assert.deepEqual(
      burst.map((a) => a.status),
      Array.from({ length: 10 }, () => 200),
    );
    const burstOutcomes = burst.flatMap(outcomes).filter((o) => o.includes("shop-1:"));
    assert.equal(burstOutcomes.filter((o) => o.endsWith(":opened")).length, 1, burstOutcomes.join(", "));
    assert.equal(burstOutcomes.filter((o) => o.endsWith(":duplicate")).length, 9);
    const freshTasks = await rollbackTasks(fresh);
    assert.equal(freshTasks.length, 1);
    const name = rollbackTaskName("shop-1", prod, fresh, new Date(startsAt));
    assert.equal(freshTasks[0]?.metadata.name, name);
    assert.equal((await auditEntries("RollbackTaskOpened")).filter((e) => e.object.name === name).length, 1);

    const again = await post(notification({ fingerprint, startsAt: "2026-11-26T09:30:00Z" }));
    assert.equal(again.status, 200);
    assert.ok(outcomes(again).includes(`${namespace}/shop-1:opened`), outcomes(again).join(", "));
    assert.equal(
      (await rollbackTasks(fingerprint)).length,
      2,
      "the same alert firing again later is new work",
    );
  });

  it("answers a resolution of an alert never seen with 200 and opens nothing", async () => {
    const fingerprint = hex(8);
    const answer = await post(
      notification({
        fingerprint,
        status: "resolved",
        startsAt: "2026-11-26T07:00:00Z",
        endsAt: "2026-11-26T07:05:00Z",
      }),
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(outcomes(answer), [`${namespace}/shop-0:no-task`, `${namespace}/shop-1:no-task`]);
    assert.equal((await rollbackTasks(fingerprint)).length, 0);
  });

  it("refuses malformed payloads and bad tokens, naming the cause, and keeps serving", async () => {
    const fingerprint = hex(8);
    const good = notification({ fingerprint, startsAt: "2026-11-26T06:00:00Z" });
    const badTime = JSON.parse(good) as { alerts: Record<string, unknown>[] };
    (badTime.alerts[0] as Record<string, unknown>).startsAt = "yesterday";
    const malformed = await post(JSON.stringify(badTime));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.field, "alerts[0].startsAt");
    assert.match(String(malformed.body.message), /alerts\[0\]\.startsAt must be an RFC 3339 time/);

    const v3 = await post(JSON.stringify({ ...(JSON.parse(good) as object), version: "3" }));
    assert.equal(v3.status, 400);
    assert.equal(v3.body.field, "version");
    const notJson = await post("{");
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.field, "body");

    const wrong = await post(good, "Bearer not-the-token");
    assert.equal(wrong.status, 401);
    assert.match(
      String(wrong.headers["www-authenticate"]),
      /^Bearer realm="stagegate", error="invalid_token"/,
    );
    const missing = await post(good, null);
    assert.equal(missing.status, 401);
    assert.equal(String(missing.headers["www-authenticate"]), 'Bearer realm="stagegate"');
    assert.equal((await rollbackTasks(fingerprint)).length, 0, "nothing refused opened work");

    const answer = await post(good);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(outcomes(answer).includes(`${namespace}/shop-1:opened`));
    assert.equal((await rollbackTasks(fingerprint)).length, 1);

    // The explicit labels name a release without any selector.
    const explicit = hex(8);
    const named = await post(
      notification({
        fingerprint: explicit,
        startsAt: "2026-11-26T06:30:00Z",
        labels: {
          alertname: "Custom",
          stagegate_release: `${namespace}/shop-1`,
          stagegate_environment: prod,
        },
      }),
    );
    assert.equal(named.status, 200);
    assert.deepEqual(outcomes(named), [`${namespace}/shop-1:opened`]);
    assert.equal((await rollbackTasks(explicit)).length, 1);
  });

  it("opens nothing for a release that is not the one currently deployed there", async () => {
    const fingerprint = hex(8);
    const answer = await post(notification({ fingerprint, startsAt: "2026-11-26T05:00:00Z" }));
    assert.equal(answer.status, 200);
    const shop0 = reports(answer)[0]?.results.find((r) => r.release === `${namespace}/shop-0`);
    assert.equal(shop0?.outcome, "not-deployed");
    assert.match(shop0?.message ?? "", new RegExp(`${namespace}/shop-1 \\(${prod}\\) is deployed there`));
    const tasks = await rollbackTasks(fingerprint);
    assert.deepEqual(
      tasks.map((t) => (t.spec as TaskSpec).releaseRef?.name),
      ["shop-1"],
    );
    const explicit = await post(
      notification({
        fingerprint: hex(8),
        startsAt: "2026-11-26T05:30:00Z",
        labels: { alertname: "Custom", stagegate_release: "shop-0", stagegate_environment: prod },
      }),
    );
    assert.deepEqual(outcomes(explicit), [`${namespace}/shop-0:not-deployed`]);
    assert.equal(
      (await rollbackTasks()).filter((t) => (t.spec as TaskSpec).releaseRef?.name === "shop-0").length,
      0,
      "shop-0 never got a task",
    );
  });

  it("counts alerts by status and outcome, and keeps an intact audit trail", async () => {
    const counts = async (): Promise<Map<string, number>> => {
      const text = await operator.metrics();
      const series = text.split("\n").filter((l) => l.startsWith("stagegate_alerts_received_total{"));
      return new Map(series.map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.split(" ").at(-1))]));
    };
    const key = (status: string, outcome: string) =>
      `stagegate_alerts_received_total{status="${status}",outcome="${outcome}"}`;
    const before = await counts();
    const body = notification({ fingerprint: hex(8), startsAt: "2026-11-26T04:00:00Z" });
    assert.equal((await post(body)).status, 200);
    assert.equal((await post(body)).status, 200);
    assert.equal((await post("[]")).status, 400);
    assert.equal((await post(body, "Bearer wrong")).status, 401);
    const now = await counts();
    const delta = (status: string, outcome: string): number =>
      (now.get(key(status, outcome)) ?? 0) - (before.get(key(status, outcome)) ?? 0);
    assert.deepEqual(
      [
        delta("firing", "opened"),
        delta("firing", "duplicate"),
        delta("firing", "not-deployed"),
        delta("unknown", "rejected"),
        delta("unknown", "unauthorized"),
      ],
      [1, 1, 2, 1, 1],
    );
    const verification = await verifyAuditFile(operator.auditFile);
    assert.ok(verification.ok, JSON.stringify(verification));
  });
});
