// A release on another cluster has its retrospective from that cluster's own audit feed (ADR 0057), read with the
// token that cluster accepted: never the home token, never the home feed. The feeds here are stubs that record the
// token they were read with; the feed itself (TokenReview, chain) is the real one in the e2e and feed tests.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClusterSignInNeeded, UnknownClusterError } from "../../../src/dashboard/cluster-reads.js";
import { clusterFeedReaders, type FeedReader } from "../../../src/dashboard/cluster-sign-in.js";
import type { ClusterDirectory, ClusterEndpoint } from "../../../src/dashboard/clusters.js";
import { FeedError, type FeedEndpoint, type FeedRead } from "../../../src/dashboard/feed-client.js";
import { pageFor } from "../../../src/dashboard/routes.js";
import { SessionStore, type Session } from "../../../src/dashboard/sessions.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeCredentials } from "../../../src/runtime/kube/kube-credentials.js";

const client = { close: () => undefined } as unknown as KubeClient;
const ann = { username: "ann", groups: [] };
const annOnEast = { username: "system:serviceaccount:east-people:ann", groups: [] };
const server = {} as KubeCredentials;
const eastFeed: FeedEndpoint = { url: "https://feed.east.example:9445", caPem: undefined };

const empty: FeedRead = {
  source: "audit-0.jsonl",
  items: [],
  chain: { intact: true, verifiedThrough: 0 },
  truncated: false,
};

const endpoint = (name: string, auditFeed?: FeedEndpoint): ClusterEndpoint => ({
  name,
  server,
  sameToken: false,
  ...(auditFeed === undefined ? {} : { auditFeed }),
});

describe("clusterFeedReaders", () => {
  it("opens one reader per cluster feed and reads it with the token given for that cluster", async () => {
    const opened: string[] = [];
    const reads: { url: string; token: string }[] = [];
    const feeds = clusterFeedReaders([endpoint("east", eastFeed), endpoint("west")], (feed): FeedReader => {
      opened.push(feed.url);
      return {
        read: (token) => {
          reads.push({ url: feed.url, token });
          return Promise.resolve(empty);
        },
      };
    });
    assert.deepEqual(opened, [eastFeed.url]);
    assert.equal(feeds("west", "WEST-TOKEN"), undefined);
    assert.equal(feeds("home", "HOME-TOKEN"), undefined);
    const read = feeds("east", "EAST-TOKEN");
    assert.notEqual(read, undefined);
    await read?.([{ namespace: "east-team" }]);
    assert.deepEqual(reads, [{ url: eastFeed.url, token: "EAST-TOKEN" }]);
  });
});

describe("the retrospective of a release on another cluster", () => {
  const clusters: ClusterDirectory = {
    home: "home",
    extra: [endpoint("east", eastFeed), endpoint("west")],
  };
  const ctx = { fallbackNamespaces: [], now: () => new Date("2026-12-07T05:00:00Z"), clusters };

  /** A home session whose home feed records each read, signed in to east with east's feed stub when given. */
  function signedIn(eastRead?: () => Promise<FeedRead>): { session: Session; calls: string[] } {
    const calls: string[] = [];
    const store = new SessionStore({ idleMs: 60_000 });
    const session = store.open(
      ann,
      client,
      () => Promise.resolve(ann),
      () => {
        calls.push("home");
        return Promise.resolve(empty);
      },
    );
    if (eastRead !== undefined) {
      session.clusters.set("east", {
        state: "signed-in",
        client,
        identity: annOnEast,
        via: "own token",
        closers: new Set(),
        feed: () => {
          calls.push("east");
          return eastRead();
        },
      });
    }
    session.clusters.set("west", {
      state: "signed-in",
      client,
      identity: annOnEast,
      via: "own token",
      closers: new Set(),
    });
    return { session, calls };
  }

  const retro = (session: Session, cluster: string): Promise<unknown> =>
    pageFor(session, "/releases/east-team/east-1/retro", new URLSearchParams({ cluster }), ctx);

  it("reads east's feed (the reader bound to east's token), never the home feed", async () => {
    const { session, calls } = signedIn(() => Promise.resolve(empty));
    const page = await pageFor(
      session,
      "/releases/east-team/east-1/retro",
      new URLSearchParams({ cluster: "east" }),
      ctx,
    );
    assert.deepEqual(calls, ["east"]);
    assert.equal(page.status, 404);
    assert.match(page.html, /The audit trail holds no entry about release east-1 in namespace east-team/);
    assert.match(page.html, /href="\/releases\/east-team\/east-1\?cluster&#x3D;east"/);
  });

  it("a cluster with no feed configured is a 503 naming the flag, and reads no feed", async () => {
    const { session, calls } = signedIn(() => Promise.resolve(empty));
    const page = await pageFor(
      session,
      "/releases/west-team/west-1/retro",
      new URLSearchParams({ cluster: "west" }),
      ctx,
    );
    assert.equal(page.status, 503);
    assert.match(
      page.html,
      /no audit feed configured for cluster west \(--cluster-audit-feed west&#x3D;URL\)/,
    );
    assert.deepEqual(calls, []);
  });

  it("not signed in to east: the add-token answer, and no feed is read with the home token", async () => {
    const { session, calls } = signedIn();
    await assert.rejects(retro(session, "east"), ClusterSignInNeeded);
    assert.deepEqual(calls, []);
  });

  it("an unknown cluster is refused as unknown", async () => {
    const { session, calls } = signedIn(() => Promise.resolve(empty));
    await assert.rejects(retro(session, "nowhere"), UnknownClusterError);
    assert.deepEqual(calls, []);
  });

  it("east's feed refusing east's token signs the session out of east only", async () => {
    const { session } = signedIn(() => Promise.reject(new FeedError(401, "the token is not accepted")));
    await assert.rejects(retro(session, "east"), ClusterSignInNeeded);
    const access = session.clusters.get("east");
    assert.equal(access?.state, "refused");
    assert.equal(session.clusters.get("west")?.state, "signed-in");
  });

  it("the home retrospective still reads the home feed", async () => {
    const { session, calls } = signedIn(() => Promise.resolve(empty));
    const page = await pageFor(session, "/releases/shop/shop-1/retro", new URLSearchParams(), ctx);
    assert.deepEqual(calls, ["home"]);
    assert.match(page.html, /href="\/releases\/shop\/shop-1"/);
  });
});
