// Class 8, the metrics port: /metrics is served over HTTPS, and only to a scraper whose bearer token the API server
// authenticates (TokenReview) and authorises for get on /metrics (SubjectAccessReview). The operator runs as its
// own process with the shipped RBAC; the scrapers are ServiceAccounts, the identity any workload in the cluster has.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubectl, kubeconfigPath } from "../support/cluster.js";
import { deleteIgnoringMissing } from "../support/controller-world.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { scrape, serviceAccountToken, type MetricsEndpoint } from "../support/operator-metrics.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";

/** Whether a body is the operator's metrics (the runtime's own series are always there). */
const isMetrics = (body: string): boolean => body.includes("stagegate_") || body.includes("process_cpu");

describe("class 8: /metrics is served over HTTPS to authorised scrapers only", () => {
  let admin: KubeClient;
  let namespace = "";
  let operator: OperatorProcess;
  let endpoint: MetricsEndpoint;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "ports-metrics");
    // A workload's identity with no metrics role: what any pod in the cluster can present.
    const created = await kubectl("admin", ["-n", namespace, "create", "serviceaccount", "curious-pod"]);
    assert.equal(created.code, 0, created.stderr);
    operator = startOperator(kubeconfigPath("operator"), [
      `--namespace=${namespace}`,
      "--leader-elect=false",
    ]);
    endpoint = await operator.metricsEndpoint();
  });
  after(async () => {
    await operator?.stop();
    if (admin !== undefined) {
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
  });

  it("answers a scrape without a token 401 with a challenge, and no metrics", async () => {
    const answer = await scrape(endpoint, null);
    assert.equal(answer.status, 401, answer.body);
    assert.match(answer.body, /Bearer <token>.*stagegate-metrics-reader/);
    assert.ok(!isMetrics(answer.body));
  });

  it("answers a token the API server does not accept 401", async () => {
    const answer = await scrape(endpoint, "forged.token.value");
    assert.equal(answer.status, 401, answer.body);
    assert.ok(!isMetrics(answer.body));
  });

  it("answers a ServiceAccount without the stagegate-metrics-reader role 403, naming the role", async () => {
    const answer = await scrape(endpoint, await serviceAccountToken(namespace, "curious-pod"));
    assert.equal(answer.status, 403, answer.body);
    assert.match(
      answer.body,
      new RegExp(`system:serviceaccount:${namespace}:curious-pod may not get /metrics`),
    );
    assert.match(answer.body, /stagegate-metrics-reader/);
    assert.ok(!isMetrics(answer.body));
  });

  it("serves no plain HTTP on the metrics port", async () => {
    const port = Number(new URL(endpoint.url).port);
    const outcome = await new Promise<string>((resolve) => {
      http
        .get({ host: "127.0.0.1", port, path: "/metrics" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString("utf8")));
          res.on("end", () => resolve(`${res.statusCode}: ${body}`));
        })
        .on("error", (error) => resolve(`error: ${error.message}`));
    });
    assert.ok(!isMetrics(outcome), `plain HTTP got the metrics: ${outcome.slice(0, 200)}`);
  });

  it("serves the metrics to the metrics reader (a ServiceAccount bound to stagegate-metrics-reader)", async () => {
    const answer = await scrape(endpoint);
    assert.equal(answer.status, 200, answer.body);
    assert.ok(isMetrics(answer.body));
  });
});
