// Two real operator processes (`stagegate run --notifications=true`) share one Lease and one PostgreSQL audit store:
// only the leader delivers; when it is SIGKILLed the standby takes over from the route's status; the killed replica
// comes back. Every event of the namespace reaches the HTTPS receiver at most once, signed, and none is lost quietly
// (each is received, or counted as failed on the route).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { verifyPushSignature } from "../../../src/audit/push/signature.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { waitFor } from "../../support/kube.js";
import { startOperator, type OperatorProcess } from "../../support/operator-process.js";
import { createAuditDatabase, databaseUrl, type AuditDatabase } from "../../support/postgres.js";
import { NotificationWorld } from "./world.js";

const HMAC_KEY = "0123456789abcdef0123456789abcdef-replicas";

describe("notifications from two operator replicas sharing a PostgreSQL audit store", () => {
  const world = new NotificationWorld();
  const leaseName = `stagegate-notify-${randomBytes(3).toString("hex")}`;
  const operators: OperatorProcess[] = [];
  let db: AuditDatabase;
  let recorder: PostgresAuditRecorder;
  let recorded = 0;

  const start = (identity: string): OperatorProcess => {
    const passwordFile = path.join(world.dir, `${identity}.password`);
    writeFileSync(passwordFile, db.rolePassword, { mode: 0o600 });
    const op = startOperator(kubeconfigPath("operator"), [
      `--identity=${identity}`,
      `--namespace=${world.namespace}`,
      `--leader-election-id=${leaseName}`,
      "--lease-duration=4s",
      "--renew-deadline=3s",
      "--retry-period=1s",
      `--audit-database-url=${databaseUrl(db.server, db.database, db.role, "").replace(":@", "@")}`,
      `--audit-database-password-file=${passwordFile}`,
      "--notifications=true",
      "--notification-allowed-networks=127.0.0.0/8",
      "--notification-poll-interval=200ms",
    ]);
    operators.push(op);
    return op;
  };
  const record = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      recorded += 1;
      await recorder.record({
        actor: "alice",
        action: "ReleasePromoted",
        object: {
          kind: "Release",
          namespace: world.namespace,
          name: `release-${recorded}`,
          uid: `uid-${recorded}`,
        },
        details: { environment: "prod" },
      });
    }
  };
  const settled = async (total: number) =>
    waitFor(
      `${total} deliveries settled`,
      async () => {
        const status = await world.status("hook");
        const done = (status.delivered ?? 0) + (status.failed ?? 0);
        return done >= total && (status.inFlight ?? []).length === 0 ? status : undefined;
      },
      { timeoutMs: 60_000 },
    );

  before(async () => {
    await world.setUp("notify-replicas");
    db = await createAuditDatabase();
    recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
    await world.secret("hook", { url: world.url("/hook"), hmacKey: HMAC_KEY, caCert: world.caPem });
    await world.route("hook", {
      actions: ["ReleasePromoted"],
      channel: { type: "webhook", secretRef: { name: "hook" } },
      rateLimit: { perMinute: 600, burst: 100 },
    });
  });
  after(async () => {
    for (const op of operators) await op.kill();
    await recorder?.close();
    await world.tearDown();
  });

  it("delivers each event at most once through a leader's death and a replica's return", async () => {
    const a = start("replica-a");
    await a.waitForLog("Became the leader; starting controllers");
    const b = start("replica-b");
    await b.waitForLog("Synced every informer cache");
    await world.record("ReleasePromoted", "warm-up"); // (file trail of the test: not the operators' record)
    await record(10);
    await waitFor(
      "the first 10 received",
      () => (world.receiver.at("/hook").length >= 10 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    await record(10);
    await a.kill(); // possibly in the middle of a pass
    await b.waitForLog("Became the leader; starting controllers", {}, 60_000);
    await settled(20);
    const back = start("replica-a-again");
    await back.waitForLog("Synced every informer cache");
    await record(5);
    const status = await settled(25);

    const requests = world.receiver.at("/hook");
    const ids = requests.map((request) => String(request.headers["x-stagegate-delivery"]));
    assert.equal(new Set(ids).size, ids.length, "no delivery received twice");
    for (const request of requests) {
      assert.ok(
        verifyPushSignature(
          Buffer.from(HMAC_KEY),
          String(request.headers["x-stagegate-timestamp"]),
          request.body,
          String(request.headers["x-stagegate-signature"]),
        ),
      );
    }
    const names = new Set(
      requests.map(
        (request) => (JSON.parse(request.body) as { event: { object: { name: string } } }).event.object.name,
      ),
    );
    assert.ok(!names.has("warm-up"), "only the operators' record is read");
    assert.equal(names.size, ids.length);
    // Every event accounted for: received, or on the route as failed (interrupted by the kill).
    assert.equal((status.delivered ?? 0) + (status.failed ?? 0), 25);
    assert.ok(
      ids.length + (status.failed ?? 0) >= 25,
      `${ids.length} received, ${status.failed ?? 0} failed`,
    );
    assert.ok(ids.length <= 25);
  });
});
