// The GRC feed over the PostgreSQL store (a real server on loopback) and the real API server: a client paging with
// the cursor while a writer appends gets every entry exactly once, in order; filters, refusals naming the
// parameter, answers that match the OpenAPI description, and no read changing the record.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { StoredAuditEntry } from "../../../src/audit/entry.js";
import { keeps } from "../../../src/audit/export/filter.js";
import { encodeCursor } from "../../../src/audit/feed/cursor.js";
import { FEED_OPENAPI } from "../../../src/audit/feed/openapi.js";
import { postgresFeedSource } from "../../../src/audit/feed/postgres-source.js";
import type { FeedSource } from "../../../src/audit/feed/source.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import {
  feedReaders,
  getFeed,
  getPage,
  serveFeed,
  type PageBody,
  type ServedFeed,
} from "../../support/audit-feed.js";
import { kubectl } from "../../support/cluster.js";
import { deleteIgnoringMissing } from "../../support/controller-world.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { createAuditDatabase, type AuditDatabase } from "../../support/postgres.js";

/** An event about `namespace`, of one of two actions, naming an environment in its details. */
function event(i: number): AuditEvent {
  return {
    actor: `writer-${i}`,
    action: i % 3 === 0 ? "ChangeApproved" : "DecisionRecorded",
    object: { kind: "Approval", namespace: i % 2 === 0 ? "payments" : "checkout", name: `a-${i}` },
    details: { environment: i % 5 === 0 ? "production" : "staging", n: i },
    // Some entries carry a transition id, as the controllers' do (ADR 0031): pages describe them too.
    ...(i % 2 === 0 ? { transition: `Approval/u-${i}/DecisionRecorded` } : {}),
  };
}

/**
 * Pages the feed from the start until it says there is no more, `next` choosing each cursor from the page (the
 * real client passes nextCursor); returns the seqs received in order.
 */
async function pageAll(
  feed: ServedFeed,
  token: string,
  query: string,
  next: (page: PageBody) => string = (page) => page.nextCursor,
  whileWriting: () => boolean = () => false,
): Promise<number[]> {
  return (await pageEntries(feed, token, query, next, whileWriting)).map((entry) => entry.seq);
}

/** The entries themselves, as {@link pageAll} receives them. */
async function pageEntries(
  feed: ServedFeed,
  token: string,
  query: string,
  next: (page: PageBody) => string = (page) => page.nextCursor,
  whileWriting: () => boolean = () => false,
): Promise<StoredAuditEntry[]> {
  const seqs: StoredAuditEntry[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    // Asked before the page is read: a writer that finishes during the request may have added more.
    const writerBusy = whileWriting();
    const page = await getPage(
      feed,
      token,
      `?limit=7${query}${cursor === undefined ? "" : `&after=${cursor}`}`,
    );
    seqs.push(...page.items.map((item) => item.entry as StoredAuditEntry));
    cursor = next(page);
    if (!page.more && !writerBusy) return seqs;
  }
  throw new Error("the feed never said it had no more");
}

/** Each of 1..total exactly once, in order: names the first skip or repeat. */
function assertExactlyOnce(seqs: readonly number[], expected: readonly number[]): void {
  for (let i = 0; i < Math.max(seqs.length, expected.length); i++) {
    if (seqs[i] !== expected[i]) {
      const seen = seqs.slice(Math.max(0, i - 2), i + 2).join(",");
      assert.fail(`entry ${i + 1} of the feed is seq ${seqs[i]}, expected ${expected[i]} (around: ${seen})`);
    }
  }
}

/** What the record holds, as a digest: a read that changed anything would change it. */
async function recordDigest(db: AuditDatabase): Promise<string> {
  const rows = await db.asAdmin<{ digest: string }>(
    "SELECT count(*) || ':' || coalesce(md5(string_agg(seq || hash || entry::text || stored_at, '|' ORDER BY seq)), '') AS digest FROM stagegate_audit.entries",
  );
  return rows[0]?.digest ?? "";
}

describe("the GRC feed on PostgreSQL", () => {
  let admin: KubeClient;
  let namespace = "";
  let db: AuditDatabase;
  let source: FeedSource;
  let feed: ServedFeed;
  let auditor = "";
  let stranger = "";
  const binding = `stagegate-auditor-feed-test-${process.pid}`;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "audit-feed");
    ({ auditor, stranger } = await feedReaders(admin, namespace, binding));
    db = await createAuditDatabase();
    source = await postgresFeedSource({ url: db.operatorUrl });
    feed = await serveFeed(source);
  });
  after(async () => {
    await feed?.close();
    await source?.close();
    await kubectl("admin", ["delete", "clusterrolebinding", binding, "--ignore-not-found"]);
    if (admin !== undefined) {
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
  });

  it("gives a client paging with the cursor every entry exactly once, in order, while a writer appends", async () => {
    const total = 300;
    const recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
    let writing = true;
    // Four concurrent writers: entries commit in seq order whatever order their calls were made in.
    const writer = (async () => {
      try {
        for (let i = 1; i <= total; i += 4) {
          await Promise.all(
            [0, 1, 2, 3].filter((k) => i + k <= total).map((k) => recorder.record(event(i + k))),
          );
        }
      } finally {
        writing = false;
        await recorder.close();
      }
    })();
    const reading = pageAll(feed, auditor, "", undefined, () => writing);
    const [seqs] = await Promise.all([reading, writer]);
    assert.ok(seqs.length > 0);
    assertExactlyOnce(
      seqs,
      Array.from({ length: total }, (_, i) => i + 1),
    );
  });

  it("would notice a cursor that skipped or repeated entries (the check can fail)", async () => {
    const all = Array.from({ length: 300 }, (_, i) => i + 1);
    const skipping = await pageAll(feed, auditor, "", (page) => encodeCursor(cursorSeq(page) + 1));
    assert.throws(() => assertExactlyOnce(skipping, all), /expected/);
    const repeating = await pageAll(feed, auditor, "", (page) =>
      encodeCursor(Math.max(0, cursorSeq(page) - 1)),
    );
    assert.throws(() => assertExactlyOnce(repeating, all), /expected/);
  });

  it("keeps exactly the entries the filters name, each once, with a cursor that moves past the others", async () => {
    // What `stagegate audit export` keeps with the same filter, from the whole record.
    const filter = { namespace: "payments", environment: "production", actions: new Set(["ChangeApproved"]) };
    const expected = (await pageEntries(feed, auditor, ""))
      .filter((entry) => keeps(filter, entry))
      .map((entry) => entry.seq);
    assert.equal(expected.length, 10);
    const seqs = await pageAll(
      feed,
      auditor,
      "&namespace=payments&action=ChangeApproved&environment=production",
    );
    assertExactlyOnce(seqs, expected);
    const none = await pageAll(feed, auditor, "&since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z");
    assert.deepEqual(none, []);
  });

  it("says how far the chain is verified, and vouches for each entry it served", async () => {
    const page = await getPage(feed, auditor, `?limit=50&after=${encodeCursor(100)}`);
    assert.equal(page.chain.intact, true);
    assert.ok(page.chain.verifiedThrough >= 150, JSON.stringify(page.chain));
    assert.ok(page.items.every((item) => item.verified));
  });

  it("answers with pages and refusals the OpenAPI description describes", async () => {
    const described = await getFeed(feed, auditor, "/audit/v1/openapi.json");
    assert.equal(described.status, 200);
    assert.deepEqual(JSON.parse(described.body), JSON.parse(JSON.stringify(FEED_OPENAPI)));
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ ...FEED_OPENAPI, $id: "feed" });
    const validPage = ajv.getSchema("feed#/components/schemas/Page");
    const validProblem = ajv.getSchema("feed#/components/schemas/Problem");
    assert.ok(validPage !== undefined && validProblem !== undefined);
    const page = await getFeed(feed, auditor, "/audit/v1/records?limit=3");
    assert.ok(
      page.body.includes('"transition"'),
      "a page with a transition is checked against the description",
    );
    assert.equal(page.status, 200);
    assert.ok(validPage(JSON.parse(page.body)), JSON.stringify(validPage.errors));
    // The check can fail: a page with a field the description does not have is refused.
    assert.ok(!validPage({ ...(JSON.parse(page.body) as object), extra: 1 }));
    for (const refused of [
      await getFeed(feed, auditor, "/audit/v1/records?after=bogus"),
      await getFeed(feed, null, "/audit/v1/records"),
      await getFeed(feed, stranger, "/audit/v1/records"),
    ]) {
      assert.ok(validProblem(JSON.parse(refused.body)), refused.body);
    }
  });

  it("refuses a malformed query with 400 naming the parameter, and changes nothing in the record", async () => {
    const before = await recordDigest(db);
    const cases: [string, string][] = [
      ["after=bogus", "after"],
      [`after=${Buffer.from("stagegate.audit.v1:x").toString("base64url")}`, "after"],
      ["limit=0", "limit"],
      ["limit=100000", "limit"],
      ["since=last-week", "since"],
      ["until=2026-12-01", "until"],
      ["namespace=NOT_A_NAMESPACE", "namespace"],
      ["action=drop%20table", "action"],
      ["order=desc", "order"],
      ["limit=1&limit=2", "limit"],
    ];
    for (const [query, parameter] of cases) {
      const answer = await getFeed(feed, auditor, `/audit/v1/records?${query}`);
      assert.equal(answer.status, 400, `${query}: ${answer.body}`);
      const body = JSON.parse(answer.body) as { error: string; parameter: string; message: string };
      assert.equal(body.parameter, parameter, query);
      assert.match(body.message, new RegExp(`^${parameter}: `));
    }
    for (const method of ["POST", "PUT", "DELETE"]) {
      const https = await import("node:https");
      const status = await new Promise<number>((resolve, reject) => {
        https
          .request(new URL("/audit/v1/records", feed.url), {
            method,
            ca: feed.caPem,
            headers: { Authorization: `Bearer ${auditor}` },
          })
          .on("response", (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on("error", reject)
          .end();
      });
      assert.equal(status, 405, method);
    }
    await pageAll(feed, auditor, "");
    assert.equal(await recordDigest(db), before);
  });

  it("answers no token or a forged one 401, and an identity without the auditor role 403 naming it", async () => {
    const none = await getFeed(feed, null, "/audit/v1/records");
    assert.equal(none.status, 401, none.body);
    const forged = await getFeed(feed, "forged.token.value", "/audit/v1/records");
    assert.equal(forged.status, 401, forged.body);
    const refused = await getFeed(feed, stranger, "/audit/v1/records");
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /may not list auditrecords\.stagegate\.io.*stagegate-auditor/);
    for (const answer of [none, forged, refused]) assert.ok(!answer.body.includes('"items"'));
  });
});

describe("the GRC feed on a tampered PostgreSQL record", () => {
  it("reports the first bad entry and vouches for none after it", async () => {
    const db = await createAuditDatabase();
    const recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
    for (let i = 1; i <= 30; i++) await recorder.record(event(i));
    await recorder.close();
    // A superuser edits entry 12 in place, past the triggers (the attack the chain exists to show).
    await db.asAdmin("ALTER TABLE stagegate_audit.entries DISABLE TRIGGER entries_append_only");
    await db.asAdmin(
      `UPDATE stagegate_audit.entries SET entry = replace(entry::text, '"writer-', '"forger-')::json WHERE seq = 12`,
    );
    await db.asAdmin("ALTER TABLE stagegate_audit.entries ENABLE TRIGGER entries_append_only");
    const source = await postgresFeedSource({ url: db.operatorUrl });
    const admin = await clientFor("admin");
    const namespace = await createTestNamespace(admin, "audit-feed-tamper");
    const binding = `stagegate-auditor-tamper-test-${process.pid}`;
    const feed = await serveFeed(source);
    try {
      const { auditor: token } = await feedReaders(admin, namespace, binding);
      const page = await getPage(feed, token, "?limit=30");
      assert.equal(page.chain.intact, false);
      assert.equal(page.chain.verifiedThrough, 11);
      assert.equal(page.chain.firstBad?.seq, 12);
      assert.equal(page.chain.firstBad?.problem, "edited");
      assert.deepEqual(
        page.items.filter((item) => item.verified).map((item) => item.entry.seq),
        Array.from({ length: 11 }, (_, i) => i + 1),
      );
    } finally {
      await feed.close();
      await source.close();
      await kubectl("admin", ["delete", "clusterrolebinding", binding, "--ignore-not-found"]);
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
  });
});

/** The seq a page's nextCursor stands for (the feed's own encoding: base64url of "stagegate.audit.v1:<seq>"). */
function cursorSeq(page: PageBody): number {
  return Number(Buffer.from(page.nextCursor, "base64url").toString("utf8").split(":")[1]);
}
