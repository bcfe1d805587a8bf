// The audit push against a real HTTPS receiver on loopback (its own certificate as the CA), from the PostgreSQL
// store, with the position kept in the ConfigMap the operator's shipped Role allows: every entry delivered once
// in order and signed, nothing dropped while the receiver is down, a new leader continuing where the last one
// stopped, and a permanently refused entry dead-lettered, counted and named, never skipped quietly.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import { postgresFeedSource } from "../../../src/audit/feed/postgres-source.js";
import type { FeedSource } from "../../../src/audit/feed/source.js";
import { createPushMetrics, type PushMetrics } from "../../../src/audit/push/metrics.js";
import { PUSH_POSITION_CONFIGMAP, PushPositionStore } from "../../../src/audit/push/position.js";
import { AuditPusher } from "../../../src/audit/push/pusher.js";
import {
  PUSH_SIGNATURE_HEADER,
  PUSH_TIMESTAMP_HEADER,
  signPush,
  verifyPushSignature,
} from "../../../src/audit/push/signature.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { deleteIgnoringMissing } from "../../support/controller-world.js";
import { clientFor, waitFor } from "../../support/kube.js";
import { writeSelfSignedMetricsCert } from "../../support/operator-metrics.js";
import { createAuditDatabase, type AuditDatabase } from "../../support/postgres.js";
import { sampleEvent } from "../../unit/audit/audit-fixtures.js";

const KEY = Buffer.from("0123456789abcdef0123456789abcdef-test-key");
const NAMESPACE = "stagegate-system";

/** A GRC endpoint: checks each push's signature, keeps what it accepted, and can go down and come back. */
class Receiver {
  readonly accepted: { seq: number; cursor: string }[] = [];
  badSignatures = 0;
  /** Bodies holding this seq are refused with 422, as a receiver refuses an entry it cannot take. */
  refuseSeq: number | undefined;
  private server: https.Server | undefined;
  port = 0;

  constructor(private readonly tls: { cert: string; key: string }) {}

  async start(): Promise<void> {
    const server = https.createServer(this.tls, (req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const signed = verifyPushSignature(
          KEY,
          String(req.headers[PUSH_TIMESTAMP_HEADER]),
          body,
          String(req.headers[PUSH_SIGNATURE_HEADER]),
        );
        if (!signed) {
          this.badSignatures += 1;
          res.writeHead(401).end();
          return;
        }
        const push = JSON.parse(body) as { cursor: string; entries: { seq: number }[] };
        if (push.entries.some((entry) => entry.seq === this.refuseSeq)) {
          res.writeHead(422).end();
          return;
        }
        for (const entry of push.entries) this.accepted.push({ seq: entry.seq, cursor: push.cursor });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  }

  /** The seqs accepted, repeats dropped as a receiver dedupes by seq, in order of first receipt. */
  distinct(): number[] {
    return [...new Set(this.accepted.map((a) => a.seq))];
  }
}

const value = async (metric: PushMetrics[keyof PushMetrics], labels = {}): Promise<number> =>
  (await metric.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("the audit push", () => {
  let admin: KubeClient;
  let operator: KubeClient;
  let db: AuditDatabase;
  let recorder: PostgresAuditRecorder;
  let source: FeedSource;
  let receiver: Receiver;
  let dir = "";
  let written = 0;
  let caPem = "";

  const write = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await recorder.record(sampleEvent(++written));
  };
  const startPusher = (metrics: PushMetrics, maxAttempts = 3) => {
    const stop = new AbortController();
    const pusher = new AuditPusher({
      source,
      positions: new PushPositionStore(operator, NAMESPACE),
      endpoint: { url: new URL(`https://127.0.0.1:${receiver.port}/audit`), key: KEY, caPem },
      batch: 10,
      maxAttempts,
      metrics,
      log: silentLogger,
      pollMs: 50,
      backoffMs: { initial: 20, max: 300 },
    });
    const running = pusher.run(stop.signal);
    return {
      async stop() {
        stop.abort();
        await running;
      },
    };
  };
  const storedPosition = async (): Promise<{ position?: string; deadLettered?: string }> =>
    (
      (await admin.get(builtin.configMap, PUSH_POSITION_CONFIGMAP, NAMESPACE)) as {
        data?: Record<string, string>;
      }
    ).data ?? {};

  before(async () => {
    admin = await clientFor("admin");
    operator = await clientFor("operator");
    await deleteIgnoringMissing(admin, builtin.configMap, PUSH_POSITION_CONFIGMAP, NAMESPACE);
    dir = mkdtempSync(path.join(tmpdir(), "stagegate-push-"));
    caPem = writeSelfSignedMetricsCert(dir);
    receiver = new Receiver({ cert: caPem, key: readFileSync(path.join(dir, "tls.key"), "utf8") });
    db = await createAuditDatabase();
    recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
    source = await postgresFeedSource({ url: db.operatorUrl });
  });
  after(async () => {
    await receiver?.stop();
    await recorder?.close();
    await source?.close();
    if (admin !== undefined) {
      await deleteIgnoringMissing(admin, builtin.configMap, PUSH_POSITION_CONFIGMAP, NAMESPACE);
      admin.close();
    }
    operator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers every entry in order, signed, and drops nothing while the endpoint is down", async () => {
    await write(25);
    await receiver.start();
    const metrics = createPushMetrics(new Registry());
    const pusher = startPusher(metrics);
    try {
      await waitFor("the first 25 entries delivered", () =>
        receiver.distinct().length >= 25 ? true : undefined,
      );
      await receiver.stop();
      await write(15);
      await waitFor("failed attempts while the endpoint is down", async () =>
        (await value(metrics.failures, { reason: "unavailable" })) >= 3 ? true : undefined,
      );
      await receiver.start(); // the same port
      await waitFor("all 40 entries delivered", () => (receiver.distinct().length >= 40 ? true : undefined));
      await waitFor("the position saved at 40", async () =>
        (await storedPosition()).position === "40" ? true : undefined,
      );
    } finally {
      await pusher.stop();
    }
    assert.deepEqual(receiver.distinct(), range(1, 40));
    assert.equal(receiver.badSignatures, 0);
    assert.equal(await value(metrics.deadLetters), 0);
    assert.equal(await value(metrics.position), 40);
  });

  it("continues from the saved position when another leader takes over, resending nothing acknowledged", async () => {
    const before = receiver.accepted.length;
    await write(5);
    const pusher = startPusher(createPushMetrics(new Registry()));
    try {
      await waitFor("entries 41 to 45 delivered", () =>
        receiver.distinct().length >= 45 ? true : undefined,
      );
    } finally {
      await pusher.stop();
    }
    assert.deepEqual(
      receiver.accepted.slice(before).map((a) => a.seq),
      range(41, 45),
    );
  });

  it("dead-letters an entry the endpoint refuses permanently, counts and names it, and delivers the rest", async () => {
    receiver.refuseSeq = 48;
    await write(5);
    const metrics = createPushMetrics(new Registry());
    const pusher = startPusher(metrics, 3);
    try {
      await waitFor("entries up to 50 handled", async () =>
        (await storedPosition()).position === "50" ? true : undefined,
      );
    } finally {
      await pusher.stop();
    }
    assert.deepEqual(receiver.distinct(), [...range(1, 47), 49, 50]);
    assert.equal(await value(metrics.deadLetters), 1);
    assert.ok((await value(metrics.failures, { reason: "refused" })) >= 3);
    assert.equal((await storedPosition()).deadLettered, "48-48");
  });

  it("signs the exact body: a receiver refuses a changed body, timestamp or key", () => {
    const body = JSON.stringify({ entries: [{ seq: 1 }] });
    const signature = signPush(KEY, 1765000000, body);
    assert.equal(verifyPushSignature(KEY, "1765000000", body, signature), true);
    assert.equal(verifyPushSignature(KEY, "1765000000", body.replace("1", "2"), signature), false);
    assert.equal(verifyPushSignature(KEY, "1765000001", body, signature), false);
    assert.equal(
      verifyPushSignature(Buffer.from("another key of 32 bytes or more!!"), "1765000000", body, signature),
      false,
    );
  });
});
