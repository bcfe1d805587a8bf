import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import { RELEASES_BY_TARGET, releaseTargetKeys } from "../../../src/controllers/release/target-claims.js";
import { createAlertMetrics } from "../../../src/receivers/alertmanager-metrics.js";
import { alertmanagerRoute, type AlertmanagerDeps } from "../../../src/receivers/alertmanager-route.js";
import { TokenFile } from "../../../src/receivers/bearer-tokens.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import { ApiError } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { testRollbackSeal } from "../../support/rollback-seal.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const TOKEN = "alertmanager-test-token";
/** The headers Alertmanager sends with every notification. */
const JSON_HEADERS = { "content-type": "application/json" };
/** A token of another team: scoped to namespace cart, so the shop's alerts are out of its scope. */
const CART_TOKEN = "alertmanager-cart-team-token";
const TOKEN_FILE = [
  "tokens:",
  `  - { name: shop-alertmanager, token: ${TOKEN}, namespaces: [shop] }`,
  `  - { name: cart-alertmanager, token: ${CART_TOKEN}, namespaces: [cart] }`,
].join("\n");

/** A client whose every write fails as an overloaded API server answers: what the route must turn into 503. */
const failingClient = {
  create: () => Promise.reject(new ApiError(500, "InternalError", "etcdserver: request timed out")),
  get: () => Promise.reject(new ApiError(500, "InternalError", "etcdserver: request timed out")),
} as unknown as KubeClient;

function payload(labels: Record<string, string>, status: "firing" | "resolved" = "firing"): Buffer {
  const alert = {
    status,
    labels,
    annotations: {},
    startsAt: "2026-11-26T10:00:00Z",
    fingerprint: "0123456789abcdef",
  };
  return Buffer.from(JSON.stringify({ version: "4", receiver: "oncall", status, alerts: [alert] }));
}

function deployedRelease(): ObjectStore {
  const store = new ObjectStore();
  store.addIndex(RELEASES_BY_TARGET, releaseTargetKeys);
  store.upsert({
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name: "shop-1", namespace: "shop", uid: "uid-1" },
    spec: {
      version: "1.4.0",
      source: { repoURL: "https://git.example.com/shop.git", revision: SHA, commits: [] },
      pipeline: ["prod"],
      targets: [
        {
          environment: "prod",
          argoCD: { name: "shop-prod", revision: SHA },
          alertSelector: { matchLabels: { app: "shop" } },
        },
      ],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "olga" } },
    },
    status: {
      environments: [
        { name: "prod", state: "Verified", revision: SHA, deployStartedAt: "2026-11-25T09:00:00Z" },
      ],
    },
  });
  return store;
}

describe("the POST /alertmanager route", () => {
  let dir: string;
  let tokens: TokenFile;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "stagegate-am-route-"));
    const file = path.join(dir, "tokens");
    await writeFile(file, TOKEN_FILE);
    tokens = await TokenFile.open(file, { intervalMs: 60_000, log: silentLogger });
  });
  after(async () => {
    tokens.close();
    await rm(dir, { recursive: true, force: true });
  });

  function world(opts: { synced?: boolean; client?: KubeClient; withTokens?: boolean } = {}) {
    const registry = new Registry();
    const audit = new MemoryAudit();
    const deps: AlertmanagerDeps = {
      client: opts.client ?? failingClient,
      audit,
      log: silentLogger,
      metrics: createAlertMetrics(registry),
      tokens: opts.withTokens === false ? undefined : tokens,
      releases: { hasSynced: () => opts.synced ?? true, store: deployedRelease() },
      seal: testRollbackSeal,
    };
    const route = alertmanagerRoute(deps);
    const count = async (status: string, outcome: string): Promise<number> => {
      const metric = await registry.getSingleMetric("stagegate_alerts_received_total")?.get();
      return (
        metric?.values.find((v) => v.labels.status === status && v.labels.outcome === outcome)?.value ?? 0
      );
    };
    return { route, audit, count };
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("refuses a missing or wrong token with 401 and a challenge, and is 404 without a token file", async () => {
    const { route, count } = world();
    const missing = route.authenticate({});
    assert.equal(missing?.status, 401);
    assert.equal(missing?.headers?.["WWW-Authenticate"], 'Bearer realm="stagegate"');
    const wrong = route.authenticate(bearer("nope"));
    assert.equal(wrong?.status, 401);
    assert.match(wrong?.headers?.["WWW-Authenticate"] ?? "", /error="invalid_token"/);
    assert.equal(route.authenticate(bearer(TOKEN)), undefined);
    assert.equal(await count("unknown", "unauthorized"), 2);
    const disabled = world({ withTokens: false }).route.authenticate(bearer(TOKEN));
    assert.equal(disabled?.status, 404);
    assert.match(String(disabled?.body.message), /--alertmanager-token-file/);
  });

  for (const contentType of [
    undefined,
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/jsonx",
  ]) {
    it(`answers 415 naming application/json for ${contentType ?? "no Content-Type"}, and still serves JSON`, async () => {
      const { route, count } = world({ synced: true });
      const headers = {
        ...bearer(TOKEN),
        ...(contentType === undefined ? {} : { "content-type": contentType }),
      };
      const refused = await route.handle({ path: "/alertmanager", headers, body: payload({ app: "shop" }) });
      assert.equal(refused.status, 415);
      assert.equal(refused.body.reason, "UnsupportedMediaType");
      assert.equal(refused.body.field, "Content-Type");
      assert.match(String(refused.body.message), /must send Content-Type: application\/json/);
      assert.equal(await count("unknown", "rejected"), 1);
      const served = await route.handle({
        path: "/alertmanager",
        headers: { ...bearer(TOKEN), "content-type": "Application/JSON; charset=utf-8" },
        body: payload({ app: "cart" }),
      });
      assert.equal(served.status, 200);
    });
  }

  it("answers 503 with Retry-After until the releases cache has synced, but 400 for a bad payload at once", async () => {
    const { route, count } = world({ synced: false });
    const early = await route.handle({
      path: "/alertmanager",
      headers: { ...JSON_HEADERS, ...bearer(TOKEN) },
      body: payload({ app: "shop" }),
    });
    assert.equal(early.status, 503);
    assert.equal(early.headers?.["Retry-After"], "5");
    assert.equal(early.body.reason, "NotSynced");
    const bad = await route.handle({
      path: "/alertmanager",
      headers: { ...JSON_HEADERS, ...bearer(TOKEN) },
      body: Buffer.from('{"version":"3"}'),
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, "version");
    assert.equal(await count("unknown", "unavailable"), 1);
    assert.equal(await count("unknown", "rejected"), 1);
  });

  it("answers 200 for an alert no release declares, and writes nothing", async () => {
    const { route, audit, count } = world();
    const answer = await route.handle({
      path: "/alertmanager",
      headers: { ...JSON_HEADERS, ...bearer(TOKEN) },
      body: payload({ app: "cart" }),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal((answer.body.summary as Record<string, number>).unmatched, 1);
    assert.equal(audit.entries.length, 0);
    assert.equal(await count("firing", "unmatched"), 1);
  });

  it("refuses with 403 and records an alert that matches a release outside the token's scope", async () => {
    const { route, audit, count } = world();
    const answer = await route.handle({
      path: "/alertmanager",
      headers: { ...JSON_HEADERS, ...bearer(CART_TOKEN) },
      body: payload({ app: "shop" }),
    });
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    assert.equal(answer.body.reason, "OutOfScope");
    const results = (answer.body.alerts as { results: { outcome: string; message: string }[] }[])[0]?.results;
    assert.equal(results?.[0]?.outcome, "out-of-scope");
    assert.match(
      results?.[0]?.message ?? "",
      /token cart-alertmanager is scoped to namespaces \[cart\], not shop/,
    );
    assert.deepEqual(
      audit.entries.map((e) => [e.actor, e.action, e.object.namespace, e.object.name]),
      [["alertmanager:cart-alertmanager", "ReceiverRequestRefused", "shop", "shop-1"]],
    );
    assert.equal(await count("firing", "out-of-scope"), 1);
  });

  it("answers 503 when the API fails for an alert, so Alertmanager retries the notification", async () => {
    const { route, audit, count } = world();
    for (const status of ["firing", "resolved"] as const) {
      const answer = await route.handle({
        path: "/alertmanager",
        headers: { ...JSON_HEADERS, ...bearer(TOKEN) },
        body: payload({ app: "shop" }, status),
      });
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(answer.headers?.["Retry-After"], "5");
      const results = (answer.body.alerts as { results: { outcome: string; message: string }[] }[])[0]
        ?.results;
      assert.equal(results?.[0]?.outcome, "failed");
      assert.match(results?.[0]?.message ?? "", /the Kubernetes API failed: etcdserver: request timed out/);
      assert.equal(await count(status, "failed"), 1);
    }
    assert.equal(audit.entries.length, 0, "nothing is audited that did not happen");
  });
});
