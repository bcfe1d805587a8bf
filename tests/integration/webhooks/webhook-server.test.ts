import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { copyFile, readFile } from "node:fs/promises";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../../src/runtime/logging.js";
import type { AdmissionReviewAnswer } from "../../../src/webhooks/admission-review.js";
import { startWebhookServer, type WebhookServer } from "../../../src/webhooks/server.js";
import { waitFor } from "../../support/kube.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";

interface Reply {
  status: number;
  body: string;
  fingerprint: string;
}

/** One HTTPS request to the server, verified against the test CA, on a fresh connection. */
function call(
  tls: WebhookTls,
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  { abortAfterBytes }: { abortAfterBytes?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        ca: tls.caPem,
        agent: false,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), fingerprint }),
        );
      },
    );
    if (abortAfterBytes !== undefined && body !== undefined) {
      // A client that hangs up mid-body: the only outcome is the hang-up itself.
      req.on("error", () => resolve({ status: 0, body: "", fingerprint: "" }));
      req.write(body.slice(0, abortAfterBytes), () => req.destroy());
      return;
    }
    req.on("error", reject);
    req.end(body);
  });
}

const review = (request: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });

const changeRequestReview = (userInfo: unknown) =>
  review({
    uid: "uid-1",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "ChangeRequest" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "changerequests" },
    namespace: "team-a",
    name: "payments-prod",
    operation: "CREATE",
    userInfo,
    object: { metadata: { name: "payments-prod", namespace: "team-a" }, spec: { environment: "prod" } },
    oldObject: null,
    dryRun: false,
  });

const fingerprintOf = async (certFile: string) =>
  new X509Certificate(await readFile(certFile)).fingerprint256;

describe("webhook server over HTTPS", () => {
  let tls: WebhookTls;
  let server: WebhookServer;
  const audit = new MemoryAudit();
  before(async () => {
    tls = await createWebhookTls();
    server = await startWebhookServer({
      address: "127.0.0.1:0",
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      audit,
      lookupEnvironment: () => Promise.resolve(undefined),
      log: silentLogger,
      maxBodyBytes: 64 * 1024,
      certReloadIntervalMs: 100,
    });
  });
  after(async () => {
    await server.close();
    await tls.remove();
  });

  const plainRows: { situation: string; method: string; path: string; body?: string; status: number }[] = [
    { situation: "health", method: "GET", path: "/healthz", status: 200 },
    { situation: "a GET on a webhook path", method: "GET", path: "/validate/approvals", status: 405 },
    { situation: "an unknown path", method: "POST", path: "/validate/pods", body: "{}", status: 404 },
    {
      situation: "a body that is not JSON",
      method: "POST",
      path: "/validate/approvals",
      body: "{",
      status: 400,
    },
    {
      situation: "a review without a uid",
      method: "POST",
      path: "/validate/approvals",
      body: review({}),
      status: 400,
    },
    {
      situation: "a body over the limit",
      method: "POST",
      path: "/validate/approvals",
      body: "x".repeat(65 * 1024),
      status: 413,
    },
  ];
  for (const row of plainRows) {
    it(`answers ${row.situation} with ${row.status}`, async () => {
      const reply = await call(tls, server.port, row.method, row.path, row.body);
      assert.equal(reply.status, row.status, reply.body);
    });
  }

  it("denies a review whose uid is readable but whose user is not, naming the field, and records the denial", async () => {
    const reply = await call(
      tls,
      server.port,
      "POST",
      "/mutate/changerequests",
      changeRequestReview({ groups: [] }),
    );
    assert.equal(reply.status, 200);
    const answer = JSON.parse(reply.body) as AdmissionReviewAnswer;
    assert.equal(answer.response.uid, "uid-1");
    assert.equal(answer.response.allowed, false);
    assert.match(answer.response.status?.message ?? "", /^MalformedRequest: request\.userInfo\.username /);
    assert.deepEqual(audit.entries.at(-1)?.details.rule, "MalformedRequest");
  });

  it("answers a valid review with a JSONPatch, after surviving a client that hung up mid-body", async () => {
    const body = changeRequestReview({ username: "bob", groups: ["developers"] });
    await call(tls, server.port, "POST", "/mutate/changerequests", body, { abortAfterBytes: 10 });
    const reply = await call(tls, server.port, "POST", "/mutate/changerequests", body);
    const answer = JSON.parse(reply.body) as AdmissionReviewAnswer;
    assert.deepEqual(
      [reply.status, answer.kind, answer.response.allowed, answer.response.patchType],
      [200, "AdmissionReview", true, "JSONPatch"],
    );
  });

  it("serves a rotated certificate to new connections without a restart", async () => {
    const before = await call(tls, server.port, "GET", "/healthz");
    assert.equal(before.fingerprint, await fingerprintOf(tls.certFile));
    const next = await tls.issueAnother();
    await copyFile(next.keyFile, tls.keyFile);
    await copyFile(next.certFile, tls.certFile);
    const expected = await fingerprintOf(next.certFile);
    await waitFor(
      "the server to present the rotated certificate",
      async () =>
        (await call(tls, server.port, "GET", "/healthz")).fingerprint === expected ? true : undefined,
      { timeoutMs: 10_000 },
    );
  });
});
