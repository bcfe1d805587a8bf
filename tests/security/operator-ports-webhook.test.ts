// Class 8, the admission webhook port: only the API server may call it. A caller who can reach the port (mallory,
// who holds no rights at all) forges an AdmissionReview that claims alice; the operator, run as its own process
// with its webhooks registered, refuses the TLS handshake unless the caller presents the API server's client
// certificate, so the forged userInfo never reaches a handler or the audit trail. The real API server path works.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { kubectl, testCluster } from "../support/cluster.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";

/** What a direct HTTPS call to the webhook got: an answer, or a refused TLS handshake / dropped connection. */
type CallOutcome = { answered: true; status: number; body: string } | { answered: false; error: string };

/** POSTs `body` to the webhook as a stranger would: trusting its serving CA, with or without a certificate. */
function postDirectly(
  url: string,
  caPem: string,
  body: string,
  clientCert?: { cert: Buffer; key: Buffer },
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const req = https.request(
      `${url}/mutate/changerequests`,
      {
        method: "POST",
        ca: caPem,
        agent: false,
        headers: { "Content-Type": "application/json" },
        ...(clientCert ?? {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ answered: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on("error", (error) => resolve({ answered: false, error: error.message }));
      },
    );
    req.on("error", (error) => resolve({ answered: false, error: error.message }));
    req.end(body);
  });
}

/** An AdmissionReview for a ChangeRequest created by "alice", as mallory would forge it. */
function forgedReview(namespace: string, name: string): string {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: `forged-${name}`,
      kind: { group: "stagegate.io", version: "v1alpha1", kind: "ChangeRequest" },
      resource: { group: "stagegate.io", version: "v1alpha1", resource: "changerequests" },
      namespace,
      name,
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["approvers", "cab"] },
      object: {
        apiVersion: API_VERSION,
        kind: "ChangeRequest",
        metadata: { name, namespace },
        spec: { releaseRef: { name: "payments" }, environment: "prod", type: "Normal", justification: "x" },
      },
      oldObject: null,
      dryRun: false,
    },
  });
}

/** Every audit entry the operator process wrote so far. */
async function auditEntries(operator: E2eOperator): Promise<{ actor: string; object: { name: string } }[]> {
  const text = await readFile(operator.process.auditFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { actor: string; object: { name: string } });
}

describe("class 8: the admission webhooks answer only the API server", () => {
  let admin: KubeClient;
  let namespace = "";
  let operator: E2eOperator;
  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "ports-webhook");
    operator = await startE2eOperator(admin, namespace, { namePrefix: "ports" });
  });
  after(async () => {
    await operator?.stop();
  });

  it("refuses mallory's forged AdmissionReview claiming alice when she presents no client certificate", async () => {
    const outcome = await postDirectly(
      operator.webhookUrl,
      operator.webhookCaPem,
      forgedReview(namespace, "forged-no-cert"),
    );
    assert.equal(
      outcome.answered,
      false,
      `the webhook answered a caller without a certificate: ${JSON.stringify(outcome)}`,
    );
    const entries = await auditEntries(operator);
    assert.equal(
      entries.filter((e) => e.actor === "alice" || e.object.name === "forged-no-cert").length,
      0,
      "the forged review left an audit entry",
    );
  });

  it("refuses mallory's own cluster client certificate: only the API server's webhook client CA counts", async () => {
    const users = path.join(testCluster().dir, "pki", "users");
    const cert = {
      cert: await readFile(path.join(users, "mallory.crt")),
      key: await readFile(path.join(users, "mallory.key")),
    };
    const outcome = await postDirectly(
      operator.webhookUrl,
      operator.webhookCaPem,
      forgedReview(namespace, "forged-user-cert"),
      cert,
    );
    assert.equal(
      outcome.answered,
      false,
      `the webhook answered a user's certificate: ${JSON.stringify(outcome)}`,
    );
    const entries = await auditEntries(operator);
    assert.equal(
      entries.filter((e) => e.actor === "alice").length,
      0,
      "the forged review left an audit entry",
    );
  });

  it("still stamps and audits a change made through the API server, which presents its client certificate", async () => {
    const manifest = {
      apiVersion: API_VERSION,
      kind: "ChangeRequest",
      metadata: { name: "through-the-api" },
      spec: {
        releaseRef: { name: "payments" },
        environment: "prod",
        type: "Normal",
        justification: "Card authorisations fail on gateway timeouts (PAY-1234).",
        plannedWindow: { start: "2030-12-08T08:00:00Z", end: "2030-12-08T10:00:00Z" },
        requestedBy: { username: "alice", groups: ["cab"] },
      },
    };
    const result = await kubectl("bob", ["-n", namespace, "create", "-f", "-"], {
      input: JSON.stringify(manifest),
    });
    assert.equal(result.code, 0, result.stderr);
    const stored = await kubectl("admin", [
      "-n",
      namespace,
      "get",
      "changerequest/through-the-api",
      "-o",
      "json",
    ]);
    const spec = (JSON.parse(stored.stdout) as { spec: { requestedBy: { username: string } } }).spec;
    assert.equal(spec.requestedBy.username, "bob", "the webhook stamped the requester from the API server");
    await waitFor("the ChangeRequested audit entry by bob", async () =>
      (await auditEntries(operator)).find((e) => e.actor === "bob" && e.object.name === "through-the-api"),
    );
  });
});
