// The dashboard's audit feed cache against the feed served as the operator serves it (the same handler, HTTPS
// server and API-server authorizer, over a real trail file): a later read asks only for what came after the cursor
// and answers exactly what a full read does; a reader the feed refuses gets the refusal whatever the cache holds; a
// feed that now answers from another record is read again from the first entry.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileFeedSource } from "../../../src/audit/feed/file-source.js";
import { FeedCache } from "../../../src/dashboard/feed-cache.js";
import { FeedError, type FeedEndpoint, type FeedRead } from "../../../src/dashboard/feed-client.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { feedReaders, serveFeed, type ServedFeed } from "../../support/audit-feed.js";
import { kubectl } from "../../support/cluster.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { makeScratch, writeTrail } from "../../unit/audit/audit-fixtures.js";

/** What a read says of each entry: its seq, its hash and whether the chain vouches for it. */
const summary = (read: FeedRead): string[] =>
  read.items.map((item) => `${item.entry.seq}:${item.entry.hash}:${item.verified}`);

describe("the dashboard reads the audit feed incrementally, as each reader", () => {
  let admin: KubeClient;
  let namespace = "";
  let feed: ServedFeed;
  let otherFeed: ServedFeed;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let trail = "";
  let auditor = "";
  let stranger = "";
  const binding = `feed-cache-${process.pid}`;
  const endpoint = (served: ServedFeed): FeedEndpoint => ({ url: served.url, caPem: served.caPem });

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "feed-cache");
    ({ auditor, stranger } = await feedReaders(admin, namespace, binding));
    scratch = await makeScratch();
    trail = path.join(scratch.dir, "audit.jsonl");
    await writeTrail(trail, 1500);
    feed = await serveFeed(fileFeedSource(trail));
    const otherTrail = path.join(scratch.dir, "other.jsonl");
    await writeTrail(otherTrail, 4);
    otherFeed = await serveFeed(fileFeedSource(otherTrail));
  });
  after(async () => {
    await feed?.close();
    await otherFeed?.close();
    await scratch?.cleanup();
    await kubectl("admin", ["delete", "clusterrolebinding", binding, "--ignore-not-found"]);
    if (namespace !== "") await admin.delete(builtin.namespace, namespace).catch(() => undefined);
    admin?.close();
  });

  it("asks only for the entries after its cursor, and answers what a full read answers", async () => {
    const cache = new FeedCache(endpoint(feed));
    const first = await cache.read(auditor, [{}]);
    assert.equal(first.items.length, 1500);
    assert.ok(first.items.every((item) => item.verified));
    assert.equal(cache.stats.pages, 2, "1,500 entries are two pages of 1,000");

    await writeTrail(trail, 3);
    const second = await cache.read(auditor, [{}]);
    assert.equal(cache.stats.pages, 3, "the second read asked one page: the entries after its cursor");
    assert.equal(cache.stats.restarts, 0);
    const full = await new FeedCache(endpoint(feed)).read(auditor, [{}]);
    assert.equal(second.items.length, 1503);
    assert.deepEqual(summary(second), summary(full));
    assert.deepEqual(second.chain, full.chain);
    assert.equal(second.truncated, false);
  });

  it("unites filters as the feed selects them, each brought up to date on its own", async () => {
    const cache = new FeedCache(endpoint(feed));
    const byAction = await cache.read(auditor, [{ action: "DecisionRecorded" }, { namespace: "payments" }]);
    const fresh = await new FeedCache(endpoint(feed)).read(auditor, [{ action: "DecisionRecorded" }]);
    assert.deepEqual(summary(byAction), summary(fresh), "the sample entries are all decisions in payments");
    const pages = cache.stats.pages;
    await cache.read(auditor, [{ action: "DecisionRecorded" }, { namespace: "payments" }]);
    assert.equal(cache.stats.pages, pages + 2, "one page per filter, after each filter's own cursor");
  });

  it("refuses a reader the feed refuses, however much the cache holds", async () => {
    const cache = new FeedCache(endpoint(feed));
    assert.ok((await cache.read(auditor, [{}])).items.length >= 1503);
    await assert.rejects(cache.read(stranger, [{}]), (error: unknown) => {
      assert.ok(error instanceof FeedError);
      assert.equal(error.status, 403);
      return true;
    });
  });

  it("reads from the first entry again when the feed now answers from another record", async () => {
    const moving = endpoint(feed);
    const cache = new FeedCache(moving);
    assert.ok((await cache.read(auditor, [{}])).items.length >= 1503);
    // The Service now reaches a replica serving another record (a different source, a chain checked only so far).
    moving.url = otherFeed.url;
    moving.caPem = otherFeed.caPem;
    const read = await cache.read(auditor, [{}]);
    assert.equal(cache.stats.restarts, 1);
    assert.deepEqual(summary(read), summary(await new FeedCache(endpoint(otherFeed)).read(auditor, [{}])));
    assert.equal(read.items.length, 4);
  });
});
