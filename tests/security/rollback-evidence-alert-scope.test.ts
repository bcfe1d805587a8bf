// Issue 9, class 7: an alert resolves to a release in one namespace only. Two teams' namespaces each hold a
// Release of the same name, deployed to prod. The operator's real Alertmanager route (its code, served over HTTPS
// with a bearer token, matching from a releases informer over every namespace against the real API server,
// writing as the operator identity) receives forged alerts from a holder of a valid token. It runs in the test's
// process because the operator process of a test watches one namespace, and an operator watching every
// namespace would act on the other test files' objects.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import {
  createWebhookTls,
  writeOperatorCertDir,
  type WebhookTls,
} from "../../hack/local-cluster/webhook-tls.js";
import { RELEASES_BY_TARGET, releaseTargetKeys } from "../../src/controllers/release/target-claims.js";
import { resources } from "../../src/controllers/resources.js";
import { ROLLBACK_SEAL_ANNOTATION } from "../../src/controllers/rollback/seal.js";
import { createAlertMetrics } from "../../src/receivers/alertmanager-metrics.js";
import { ALERTMANAGER_PATH, alertmanagerRoute } from "../../src/receivers/alertmanager-route.js";
import { TokenFile } from "../../src/receivers/bearer-tokens.js";
import { startReceiverServer, type ReceiverServer } from "../../src/receivers/server.js";
import { Informer } from "../../src/runtime/informer/informer.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { ApiError } from "../../src/runtime/kube/api-error.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { createEnvironment, ownsDeliveryIn, deleteIgnoringMissing } from "../support/controller-world.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { MemoryAudit } from "../support/memory-audit.js";
import { fireAlert, type ReceiverAnswer, type ReceiverEndpoint } from "../support/receiver-client.js";
import { createRelease } from "../support/release-world.js";
import { testRollbackSeal } from "../support/rollback-seal.js";
import { scopedTokenFile } from "../support/scoped-tokens.js";

const TOKEN = `am-${randomBytes(12).toString("hex")}`;
const SHA1 = "1a1a1a1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
const seconds = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, "Z");

describe("Class 7: an alert resolves to a release in one namespace only", () => {
  let admin: KubeClient;
  let operatorClient: KubeClient;
  let teamA: string;
  let teamB: string;
  let tls: WebhookTls | undefined;
  let server: ReceiverServer | undefined;
  let tokens: TokenFile | undefined;
  let endpoint: ReceiverEndpoint;
  const stopping = new AbortController();
  const audit = new MemoryAudit();
  const prod = `prod-rbscope-${hex(3)}`;
  const release = `shop-${hex(2)}`;

  /** The release of one team, Verified in prod on its own Application, as the operator would have left it. */
  async function deployedRelease(namespace: string): Promise<void> {
    await createRelease({ admin, namespace }, release, {
      version: "1.0.0",
      revision: SHA1,
      pipeline: [prod],
      targets: [{ environment: prod, argoCD: { name: `shop-${namespace}`, namespace, revision: SHA1 } }],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
      rollbackPolicy: { mode: "Automatic" },
    });
    const obj = await admin.get(resources.release, release, namespace);
    const at = seconds(new Date(Date.now() - 600_000));
    await admin.update(
      resources.release,
      {
        ...obj,
        status: {
          environments: [
            {
              name: prod,
              state: "Verified",
              revision: SHA1,
              deployStartedAt: at,
              deployedAt: at,
              verifiedAt: at,
            },
          ],
        },
      },
      "status",
    );
  }

  async function rollbackTasks(namespace: string) {
    const { items } = await admin.list(resources.deploymentTask, { namespace });
    return items.filter((t) => (t.spec as { type?: string }).type === "Rollback");
  }

  function post(labels: Record<string, string>): Promise<ReceiverAnswer> {
    return fireAlert(endpoint, TOKEN, {
      labels,
      fingerprint: hex(8),
      startsAt: new Date(Date.now() - 30_000),
    });
  }

  const summary = (answer: ReceiverAnswer) => answer.body.summary as Record<string, number>;

  before(
    async () => {
      admin = await clientFor("admin");
      operatorClient = await clientFor("operator");
      teamA = await createTestNamespace(admin, "sec-scope-a");
      teamB = await createTestNamespace(admin, "sec-scope-b");
      await createEnvironment({ admin }, prod, { delivery: ownsDeliveryIn(teamA, teamB) });
      // A fresh API server answers 429 while a CRD's storage initialises: wait until DeploymentTasks are served.
      await waitFor("DeploymentTasks to be served", async () => {
        try {
          await admin.list(resources.deploymentTask, { namespace: teamA });
          return true;
        } catch (err) {
          if (err instanceof ApiError && err.status === 429) return undefined;
          throw err;
        }
      });
      await deployedRelease(teamA);
      await deployedRelease(teamB);
      const releases = new Informer({
        client: operatorClient,
        resource: resources.release,
        log: silentLogger,
      });
      releases.store.addIndex(RELEASES_BY_TARGET, releaseTargetKeys);
      void releases.run(stopping.signal);
      await releases.waitForSync(stopping.signal);
      await waitFor("both releases to be cached with their status", () =>
        Promise.resolve(
          [teamA, teamB].every((ns) => releases.store.get(`${ns}/${release}`)?.status !== undefined)
            ? true
            : undefined,
        ),
      );
      tls = await createWebhookTls();
      const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
      const tokenFile = path.join(tls.dir, "alertmanager-tokens");
      await writeFile(
        tokenFile,
        scopedTokenFile([{ name: "scope-alertmanager", token: TOKEN, namespaces: [teamA, teamB] }]),
      );
      tokens = await TokenFile.open(tokenFile, { intervalMs: 60_000, log: silentLogger });
      server = await startReceiverServer({
        address: "127.0.0.1:0",
        certFile: path.join(certDir, "tls.crt"),
        keyFile: path.join(certDir, "tls.key"),
        log: silentLogger,
        routes: {
          [ALERTMANAGER_PATH]: alertmanagerRoute({
            client: operatorClient,
            audit,
            log: silentLogger,
            metrics: createAlertMetrics(new Registry()),
            tokens,
            releases,
            seal: testRollbackSeal,
          }),
        },
      });
      endpoint = { port: server.port, caPem: tls.caPem };
    },
    { timeout: 120_000 },
  );

  after(async () => {
    stopping.abort();
    await server?.close();
    tokens?.close();
    await tls?.remove();
    await deleteIgnoringMissing(admin, resources.environment, prod);
    for (const ns of [teamA, teamB]) await deleteIgnoringMissing(admin, builtin.namespace, ns);
    operatorClient?.close();
    admin?.close();
  });

  it("an alert naming only the release name (in two namespaces) acts on none, audited AlertRefused", async () => {
    const answer = await post({ stagegate_release: release, stagegate_environment: prod });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(summary(answer).ambiguous, 1);
    assert.equal(summary(answer).opened, 0);
    const [report] = answer.body.alerts as { results: { message: string }[] }[];
    assert.match(report?.results[0]?.message ?? "", /several namespaces .*stagegate_namespace/);
    assert.deepEqual(await rollbackTasks(teamA), [], "nothing opened in team A");
    assert.deepEqual(await rollbackTasks(teamB), [], "nothing opened in team B");
    const refused = audit.entries.filter((e) => e.action === "AlertRefused");
    assert.equal(refused.length, 1);
    assert.deepEqual(refused[0]?.details.namespaces, [teamA, teamB].sort());
  });

  it("an alert naming two namespaces (stagegate_namespace against namespace/name) acts on none", async () => {
    const answer = await post({
      stagegate_release: `${teamA}/${release}`,
      stagegate_environment: prod,
      stagegate_namespace: teamB,
    });
    assert.equal(summary(answer).ambiguous, 1);
    assert.deepEqual(await rollbackTasks(teamA), []);
    assert.deepEqual(await rollbackTasks(teamB), []);
    assert.equal(audit.entries.filter((e) => e.action === "AlertRefused").length, 2);
  });

  it("the same alert scoped with stagegate_namespace opens one sealed task, in that namespace only", async () => {
    const answer = await post({
      stagegate_release: release,
      stagegate_environment: prod,
      stagegate_namespace: teamA,
    });
    assert.equal(summary(answer).opened, 1, JSON.stringify(answer.body));
    const [task] = await rollbackTasks(teamA);
    assert.ok(task?.metadata.annotations?.[ROLLBACK_SEAL_ANNOTATION] !== undefined, "the operator sealed it");
    assert.deepEqual(await rollbackTasks(teamB), [], "team B's release of the same name is untouched");
  });
});
