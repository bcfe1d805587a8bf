// Sign-in through an authenticating proxy (ADR 0043). Attacks first: identity headers and a token sent to the
// browser listener sign nobody in; the proxy listener completes no handshake without the proxy's certificate or with
// another CA's; a certificate of the right CA with a name not allowed is refused; even from the real proxy the
// identity headers are ignored and the session is whoever the forwarded token authenticates. Then a person behind a
// stand-in for oauth2-proxy (it forwards the person's own token in Authorization) uses the dashboard in Chromium.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { text } from "./dashboard-pages.js";
import type { ClientPair, DashboardWorld } from "./dashboard-world.js";

type Outcome = { status: number; body: string; headers: http.IncomingHttpHeaders } | { error: string };

/** One GET to a dashboard listener, with the given client certificate and headers. */
function get(
  url: string,
  caPem: string,
  client: ClientPair | undefined,
  headers: Record<string, string>,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.request(
      new URL("/", url),
      { method: "GET", ca: caPem, agent: false, headers, ...(client ?? {}) },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", (error) => resolve({ error: error.message }));
    req.end();
  });
}

/**
 * A stand-in for oauth2-proxy in front of the dashboard: plain HTTP on loopback to the browser, mutual TLS with the
 * proxy's certificate to the dashboard, and the person's own token (here: the one it was given) in Authorization on
 * every request, as `--pass-authorization-header` does. Responses (Server-Sent Events too) are streamed back.
 */
async function standInProxy(
  w: DashboardWorld,
  token: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const upstream = https.request(
      new URL(req.url ?? "/", w.proxy.url),
      {
        method: req.method,
        ca: w.proxy.servingCaPem,
        ...w.proxy.certs.proxy,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Registers the authenticating proxy's tests on the shared dashboard world. */
export function proxyTests(world: () => DashboardWorld): void {
  describe("sign-in through an authenticating proxy", () => {
    it("identity headers and a bearer token sent to the browser listener sign nobody in", async () => {
      const w = world();
      const answer = await get(w.url, w.proxy.servingCaPem, undefined, {
        Authorization: `Bearer ${w.tokens.approver}`,
        "X-Remote-User": w.usernames.approver,
        "X-Forwarded-User": w.usernames.approver,
        "X-Remote-Group": "system:masters",
      });
      assert.ok("status" in answer, JSON.stringify(answer));
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.location, "/sign-in");
      assert.equal(answer.headers["set-cookie"], undefined);
    });

    it("the proxy listener completes no handshake without a client certificate, or with another CA's", async () => {
      const w = world();
      const headers = { Authorization: `Bearer ${w.tokens.approver}`, "X-Remote-User": w.usernames.approver };
      for (const client of [undefined, w.proxy.certs.foreign]) {
        const answer = await get(w.proxy.url, w.proxy.servingCaPem, client, headers);
        assert.ok("error" in answer, `served: ${JSON.stringify(answer).slice(0, 200)}`);
      }
    });

    it("a certificate of the proxy's CA with a name not allowed is refused", async () => {
      const w = world();
      const answer = await get(w.proxy.url, w.proxy.servingCaPem, w.proxy.certs.intruder, {
        Authorization: `Bearer ${w.tokens.approver}`,
      });
      assert.ok("status" in answer, JSON.stringify(answer));
      assert.equal(answer.status, 403);
      assert.match(answer.body, /common name is not one allowed/);
    });

    it("even from the proxy, identity headers are ignored: the session is whoever the forwarded token is", async () => {
      const w = world();
      const forged = await get(w.proxy.url, w.proxy.servingCaPem, w.proxy.certs.proxy, {
        Authorization: `Bearer ${w.tokens.viewer}`,
        "X-Remote-User": w.usernames.approver,
      });
      assert.ok("status" in forged, JSON.stringify(forged));
      assert.equal(forged.status, 200);
      assert.match(
        forged.body,
        new RegExp(`Signed in as <strong id="signed-in-user">${w.usernames.viewer}<`),
      );
      assert.doesNotMatch(forged.body, /shop-1/, "the viewer's RBAC, not the approver's");
      const tokenless = await get(w.proxy.url, w.proxy.servingCaPem, w.proxy.certs.proxy, {
        "X-Remote-User": w.usernames.approver,
      });
      assert.ok("status" in tokenless, JSON.stringify(tokenless));
      assert.equal(tokenless.status, 401);
      assert.match(tokenless.body, /forwarded no bearer token/);
      const unknown = await get(w.proxy.url, w.proxy.servingCaPem, w.proxy.certs.proxy, {
        Authorization: "Bearer not-a-real-token",
      });
      assert.ok("status" in unknown, JSON.stringify(unknown));
      assert.equal(unknown.status, 401);
      assert.match(unknown.body, /does not accept the token the proxy forwarded/);
    });

    it("a person behind the proxy is signed in without a form, as their token, with live updates", async () => {
      const w = world();
      const proxy = await standInProxy(w, w.tokens.approver);
      const context = await w.browser.createBrowserContext();
      try {
        const page = await context.newPage();
        const response = await page.goto(`${proxy.url}/`);
        assert.equal(response?.status(), 200);
        assert.equal(await text(page, "#signed-in-user"), w.usernames.approver);
        assert.notEqual(await page.$(`[id="release:${w.team}/shop-1"]`), null);
        await page.waitForFunction(
          `document.getElementById("live-status")?.textContent?.startsWith("Live:")`,
        );
        const signIn = await page.goto(`${proxy.url}/sign-in`);
        assert.equal(new URL(signIn?.url() ?? "").pathname, "/", "behind the proxy there is no sign-in form");
        assert.deepEqual(await context.cookies(), [], "no cookie: the proxy's token is the session's key");
      } finally {
        await context.close();
        await proxy.close();
      }
    });
  });
}
