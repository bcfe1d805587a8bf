// The generic receivers server in-process over real TLS: health, routing, methods, authentication before the
// body is read, the body limit, and a route that throws; plus the pipeline route with no token file configured.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { refusal } from "../../../src/receivers/answer.js";
import { pipelineEventsRoute } from "../../../src/receivers/pipeline-events-route.js";
import { startReceiverServer, type ReceiverServer } from "../../../src/receivers/server.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { silentLogger } from "../../../src/runtime/logging.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

describe("event receivers server", () => {
  let tls: WebhookTls;
  let server: ReceiverServer;
  const handled: string[] = [];

  function request(
    method: string,
    path: string,
    body = "",
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: "127.0.0.1", port: server.port, path, method, ca: tls.caPem, headers },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  before(async () => {
    tls = await createWebhookTls();
    server = await startReceiverServer({
      address: "127.0.0.1:0",
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      log: silentLogger,
      maxBodyBytes: 64,
      routes: {
        "/echo": {
          authenticate: (headers) =>
            headers.authorization === "Bearer ok" ? undefined : refusal(401, "Unauthorized", "no"),
          handle: (req) => {
            handled.push(req.body.toString("utf8"));
            return Promise.resolve({ status: 202, body: { got: req.body.toString("utf8") } });
          },
        },
        "/broken": {
          authenticate: () => undefined,
          handle: () => Promise.reject(new Error("boom")),
        },
        "/pipeline-events": pipelineEventsRoute({
          client: {} as KubeClient,
          audit: new MemoryAudit(),
          log: silentLogger,
          metrics: { observe: () => undefined },
          tokens: undefined,
        }),
      },
    });
  });
  after(async () => {
    await server?.close();
    await tls?.remove();
  });

  it("answers GET /healthz", async () => {
    const answer = await request("GET", "/healthz");
    assert.equal(answer.status, 200);
    assert.equal(answer.text, "ok\n");
  });

  it("routes POSTs, and refuses other paths and methods naming what exists", async () => {
    const ok = await request("POST", "/echo", "hello", { Authorization: "Bearer ok" });
    assert.equal(ok.status, 202);
    assert.deepEqual(JSON.parse(ok.text), { got: "hello" });

    const nowhere = await request("POST", "/nowhere");
    assert.equal(nowhere.status, 404);
    assert.match(nowhere.text, /the receivers are \/echo, \/broken, \/pipeline-events/);

    const get = await request("GET", "/echo");
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, "POST");
  });

  it("refuses an unauthenticated request without handing its body to the route", async () => {
    const before = handled.length;
    const answer = await request("POST", "/echo", "secret payload", { Authorization: "Bearer nope" });
    assert.equal(answer.status, 401);
    assert.equal(handled.length, before);
  });

  it("answers 413 over the body limit, and keeps serving", async () => {
    const answer = await request("POST", "/echo", "x".repeat(65), { Authorization: "Bearer ok" });
    assert.equal(answer.status, 413);
    assert.match((JSON.parse(answer.text) as { message: string }).message, /larger than 64 bytes/);
    assert.equal(
      (await request("POST", "/echo", "x".repeat(64), { Authorization: "Bearer ok" })).status,
      202,
    );
  });

  it("answers 500 when a route throws, and keeps serving", async () => {
    const answer = await request("POST", "/broken", "{}");
    assert.equal(answer.status, 500);
    assert.equal((JSON.parse(answer.text) as { reason: string }).reason, "InternalError");
    assert.equal((await request("GET", "/healthz")).status, 200);
  });

  it("says how to enable /pipeline-events when no token file is configured", async () => {
    const answer = await request("POST", "/pipeline-events", "{}", { Authorization: "Bearer anything" });
    assert.equal(answer.status, 404);
    const body = JSON.parse(answer.text) as { reason: string; message: string };
    assert.equal(body.reason, "EndpointDisabled");
    assert.match(body.message, /--pipeline-events-token-file/);
  });
});
