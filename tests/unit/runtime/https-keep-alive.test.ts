// A caller's idle keep-alive connection outlives Node's default 5 s: the API server's webhook client reuses idle
// connections for up to 90 s and does not retry a POST, so a connection the server closed under it failed a user's
// request (seen in CI as "connection reset by peer" on approvals.mutate.stagegate.io).
import assert from "node:assert/strict";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import {
  KEEP_ALIVE_TIMEOUT_MS,
  startHttpsServer,
  type RunningHttpsServer,
} from "../../../src/runtime/https-server.js";
import { silentLogger } from "../../../src/runtime/logging.js";

/** Go's http.Transport drops idle connections after this long (IdleConnTimeout of its default transport). */
const GO_IDLE_CONN_TIMEOUT_MS = 90_000;
/** Node's own default keep-alive timeout, which the server must outlast. */
const NODE_DEFAULT_KEEP_ALIVE_MS = 5_000;

describe("an HTTPS server keeps idle keep-alive connections open longer than its callers do", () => {
  let tls: WebhookTls;
  let server: RunningHttpsServer;
  const sockets = new Set<unknown>();

  before(async () => {
    tls = await createWebhookTls();
    server = await startHttpsServer({
      address: "127.0.0.1:0",
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      log: silentLogger,
      handle: (req, res) => {
        sockets.add(req.socket);
        res.writeHead(200).end("ok");
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

  it("outlasts the idle timeout of Go's HTTP clients", () => {
    assert.ok(KEEP_ALIVE_TIMEOUT_MS > GO_IDLE_CONN_TIMEOUT_MS);
  });

  it("answers a second request on a connection idle for longer than Node's default", async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: tls.caPem });
    const post = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = https.request(
          { host: "127.0.0.1", port: server.port, method: "POST", path: "/mutate/approvals", agent },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end("{}");
      });
    try {
      assert.equal(await post(), 200);
      await sleep(NODE_DEFAULT_KEEP_ALIVE_MS + 1_000);
      assert.equal(await post(), 200);
      assert.equal(sockets.size, 1, "the second request came over the same, still open connection");
    } finally {
      agent.destroy();
    }
  });
});
