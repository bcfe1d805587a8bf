// The GRC feed served in the test process exactly as the operator serves it (the same handler, HTTPS server and
// API-server authorizer, with the operator's own RBAC), over a real store, and a client that pages it as a GRC
// platform would: bearer token, cursor, until the feed says there is no more.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChainVerifier } from "../../src/audit/feed/chain-status.js";
import { feedHandler, sendProblem } from "../../src/audit/feed/route.js";
import type { FeedSource } from "../../src/audit/feed/source.js";
import { AUDIT_RECORDS_PERMISSION } from "../../src/cmd/audit-feed.js";
import { startHttpsServer } from "../../src/runtime/https-server.js";
import { silentLogger } from "../../src/runtime/logging.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { apiServerAuthorizer } from "../../src/runtime/metrics-authorization.js";
import { kubectl } from "./cluster.js";
import { clientFor } from "./kube.js";
import { writeSelfSignedMetricsCert } from "./operator-metrics.js";
import { requestToken, requestWithToken } from "./service-account-token.js";

/** A feed being served, and how to reach it. */
export interface ServedFeed {
  url: string;
  caPem: string;
  close(): Promise<void>;
}

/**
 * Serves `source` on loopback; reviews go to the test cluster as the operator (its shipped RBAC), or, given
 * `reviewer`, to that client's cluster as it (another cluster's feed; the caller closes it).
 */
export async function serveFeed(source: FeedSource, reviewer?: KubeClient): Promise<ServedFeed> {
  const dir = mkdtempSync(path.join(tmpdir(), "stagegate-feed-"));
  const caPem = writeSelfSignedMetricsCert(dir);
  const operator = reviewer ?? (await clientFor("operator"));
  const server = await startHttpsServer({
    address: "127.0.0.1:0",
    certFile: path.join(dir, "tls.crt"),
    keyFile: path.join(dir, "tls.key"),
    log: silentLogger,
    handle: feedHandler({
      authorizer: apiServerAuthorizer(operator.transport, AUDIT_RECORDS_PERMISSION, { cacheTtlMs: 0 }),
      source,
      verifier: new ChainVerifier(source),
      log: silentLogger,
    }),
    answerFailure: (res) => sendProblem(res, 500, "InternalError", "failed"),
    messages: { requestFailed: "Failed", serverFailed: "Failed" },
  });
  return {
    url: `https://127.0.0.1:${server.port}`,
    caPem,
    async close() {
      await server.close();
      if (reviewer === undefined) operator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One page as the feed answers it (the OpenAPI `Page`). */
export interface PageBody {
  source: string;
  items: { verified: boolean; entry: { seq: number; action: string; object: { namespace?: string } } }[];
  nextCursor: string;
  more: boolean;
  chain: { intact: boolean; verifiedThrough: number; firstBad?: { seq?: number; problem: string } };
}

/** GET `pathAndQuery` on the feed with `token` (null: no Authorization header). */
export async function getFeed(
  feed: ServedFeed,
  token: string | null,
  pathAndQuery: string,
): Promise<{ status: number; body: string }> {
  if (token === null) {
    const https = await import("node:https");
    return new Promise((resolve, reject) => {
      https
        .get(new URL(pathAndQuery, feed.url), { ca: feed.caPem, agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        })
        .on("error", reject);
    });
  }
  return requestWithToken(
    { url: feed.url, caPem: feed.caPem, token, userAgent: "stagegate-feed-test" },
    "GET",
    pathAndQuery,
  );
}

/** One page, parsed; throws with the answer when it is not a 200. */
export async function getPage(feed: ServedFeed, token: string, query: string): Promise<PageBody> {
  const answer = await getFeed(feed, token, `/audit/v1/records${query}`);
  if (answer.status !== 200) throw new Error(`the feed answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as PageBody;
}

/** Tokens of two ServiceAccounts of `namespace`: one bound to stagegate-auditor (cluster-wide), one bound to nothing. */
export interface FeedReaders {
  auditor: string;
  stranger: string;
}

/**
 * Creates the ServiceAccounts `auditorAccount` and `strangerAccount` in `namespace`, binds the first to the shipped
 * stagegate-auditor ClusterRole with the ClusterRoleBinding `binding` (the caller deletes it), and returns their tokens.
 */
export async function feedReaders(
  admin: KubeClient,
  namespace: string,
  binding: string,
  accounts: { auditor: string; stranger: string } = { auditor: "grc-platform", stranger: "curious-pod" },
): Promise<FeedReaders> {
  for (const account of [accounts.auditor, accounts.stranger]) {
    const created = await kubectl("admin", ["-n", namespace, "create", "serviceaccount", account]);
    assert.equal(created.code, 0, created.stderr);
  }
  const bound = await kubectl("admin", [
    "create",
    "clusterrolebinding",
    binding,
    "--clusterrole=stagegate-auditor",
    `--serviceaccount=${namespace}:${accounts.auditor}`,
  ]);
  assert.equal(bound.code, 0, bound.stderr);
  return {
    auditor: await requestToken(admin, namespace, accounts.auditor),
    stranger: await requestToken(admin, namespace, accounts.stranger),
  };
}
