import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { createCertificateAuthority, issueClientCert } from "../../../hack/local-cluster/certs.js";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import { startHttpsServer, type RunningHttpsServer } from "../../../src/runtime/https-server.js";
import { silentLogger } from "../../../src/runtime/logging.js";

type Outcome = { status: number; body: string } | { error: string };

describe("an HTTPS server that authenticates its callers by client certificate", () => {
  let tls: WebhookTls;
  let server: RunningHttpsServer;
  const certs: Record<"apiserver" | "intruder", { cert: Buffer; key: Buffer }> = {
    apiserver: { cert: Buffer.alloc(0), key: Buffer.alloc(0) },
    intruder: { cert: Buffer.alloc(0), key: Buffer.alloc(0) },
  };

  const call = (client?: { cert: Buffer; key: Buffer }): Promise<Outcome> =>
    new Promise((resolve) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: server.port,
          method: "POST",
          path: "/validate/x",
          ca: tls.caPem,
          agent: false,
          ...client,
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", (error) => resolve({ error: error.message }));
      req.end("{}");
    });

  before(async () => {
    tls = await createWebhookTls();
    // The callers' CA, of its own (as the API server's webhook client CA is).
    const clientDir = path.join(tls.dir, "clients");
    await mkdir(clientDir);
    const ca = await createCertificateAuthority(clientDir);
    for (const name of ["apiserver", "intruder"] as const) {
      const user = name === "apiserver" ? "kube-apiserver-webhook-client" : "someone-else";
      const pair = await issueClientCert(ca, clientDir, `client-${name}`, { user, groups: [] });
      certs[name] = { cert: await readFile(pair.certFile), key: await readFile(pair.keyFile) };
    }
    server = await startHttpsServer({
      address: "127.0.0.1:0",
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      clientAuth: { caFile: ca.certFile, allowedNames: ["kube-apiserver-webhook-client"] },
      log: silentLogger,
      handle: (_req, res) => {
        res.writeHead(200).end("handled");
        return Promise.resolve();
      },
      answerFailure: (res) => res.writeHead(500).end(),
      messages: { requestFailed: "failed", serverFailed: "failed" },
    });
  });
  after(async () => {
    await server?.close();
    await tls?.remove();
  });

  it("refuses the TLS handshake to a caller without a certificate", async () => {
    const outcome = await call();
    assert.ok("error" in outcome, JSON.stringify(outcome));
  });

  it("refuses a certificate of the CA with a name not allowed, before the handler", async () => {
    const outcome = await call(certs.intruder);
    assert.deepEqual("status" in outcome ? outcome.status : outcome, 403);
  });

  it("serves the allowed name", async () => {
    assert.deepEqual(await call(certs.apiserver), { status: 200, body: "handled" });
  });
});
