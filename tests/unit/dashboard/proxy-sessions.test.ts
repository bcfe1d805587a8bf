// Sessions behind the authenticating proxy: only the forwarded bearer token counts (identity headers never do), a
// session is found again by the token, and a token the API server refuses opens nothing.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { ProxySessions } from "../../../src/dashboard/proxy-sessions.js";
import { SessionStore } from "../../../src/dashboard/sessions.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";

const client = { close: () => undefined } as unknown as KubeClient;
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

function world() {
  const store = new SessionStore({ idleMs: 60_000 });
  const reviews: string[] = [];
  const proxied = new ProxySessions({
    sessions: store,
    review: (token) => {
      reviews.push(token);
      if (token === "down") return Promise.reject(new Error("unreachable"));
      return Promise.resolve(token.startsWith("tok-") ? { username: token.slice(4), groups: [] } : undefined);
    },
    open: (identity) => store.open(identity, client, () => Promise.resolve(identity)),
  });
  return { store, reviews, proxied };
}

describe("ProxySessions", () => {
  it("signs in whoever the forwarded token authenticates, whatever the identity headers say", async () => {
    const { proxied } = world();
    const found = await proxied.find(
      request({
        authorization: "Bearer tok-viewer",
        "x-remote-user": "admin",
        "x-remote-group": "system:masters",
      }),
      false,
    );
    assert.ok("id" in found);
    assert.equal(found.identity.username, "viewer");
    assert.deepEqual(found.identity.groups, []);
  });

  it("finds the same session again by the token, without asking the API server again", async () => {
    const { proxied, reviews } = world();
    const first = await proxied.find(request({ authorization: "Bearer tok-ann" }), false);
    const again = await proxied.find(request({ authorization: "Bearer tok-ann" }), true);
    const other = await proxied.find(request({ authorization: "Bearer tok-bob" }), false);
    assert.ok("id" in first && "id" in again && "id" in other);
    assert.equal(again.id, first.id);
    assert.notEqual(other.id, first.id);
    assert.deepEqual(reviews, ["tok-ann", "tok-bob"]);
  });

  it("opens a new session once the old one ended", async () => {
    const { proxied, store } = world();
    const first = await proxied.find(request({ authorization: "Bearer tok-ann" }), false);
    assert.ok("id" in first);
    store.end(first.id);
    proxied.sweep();
    const next = await proxied.find(request({ authorization: "Bearer tok-ann" }), false);
    assert.ok("id" in next);
    assert.notEqual(next.id, first.id);
  });

  const refused: [string, Record<string, string>, number, RegExp][] = [
    ["no token, only a user header", { "x-remote-user": "admin" }, 401, /forwarded no bearer token/],
    ["basic credentials", { authorization: "Basic YWRtaW46YWRtaW4=" }, 401, /forwarded no bearer token/],
    ["a token with a space", { authorization: "Bearer a b" }, 401, /forwarded no bearer token/],
    ["a token the API server refuses", { authorization: "Bearer forged" }, 401, /does not accept the token/],
    ["the API server unreachable", { authorization: "Bearer down" }, 503, /could not be asked/],
  ];
  for (const [what, headers, status, message] of refused) {
    it(`signs nobody in with ${what}`, async () => {
      const { proxied, store } = world();
      const found = await proxied.find(request(headers), false);
      assert.ok(!("id" in found));
      assert.equal(found.status, status);
      assert.match(found.message, message);
      assert.equal(store.size, 0);
    });
  }
});
