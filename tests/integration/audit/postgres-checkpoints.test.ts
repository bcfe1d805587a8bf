// Checkpoints of the PostgreSQL store's shared chain: two recorders (two replicas) append to one chain on a real
// PostgreSQL, each signing what it appended into checkpoint ConfigMaps on the real API server, and `stagegate audit
// verify --database-url --public-key` (the CLI as its own process) checks the database against them, then names
// the entries removed from its end by a superuser who switched the append-only trigger off.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DATABASE_CHECKPOINT_WRITER } from "../../../src/audit/checkpoints/checkpoint.js";
import { AuditCheckpointer } from "../../../src/audit/checkpoints/publisher.js";
import { keyIdOf } from "../../../src/audit/checkpoints/signing-key.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { tableEnds } from "../../../src/audit/postgres/table-facts.js";
import { realClock } from "../../../src/runtime/clock.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { deleteIgnoringMissing } from "../../support/controller-world.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { createAuditDatabase, type AuditDatabase, passwordFileLogin } from "../../support/postgres.js";
import { makeScratch, sampleEvent } from "../../unit/audit/audit-fixtures.js";
import { stagegateAs } from "../cli/cli-helpers.js";

describe("checkpoints of the PostgreSQL audit store", () => {
  let admin: KubeClient;
  let namespace: string;
  let db: AuditDatabase;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  let login: string[] = [];

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "audit-db-cps");
    db = await createAuditDatabase();
    scratch = await makeScratch();
    await writeFile(path.join(scratch.dir, "key.pub"), publicKey.export({ type: "spki", format: "pem" }));
    login = await passwordFileLogin(db, scratch.dir);
    // Two replicas, each appending and signing what it appended: one series, since the chain is one.
    const replicas = await Promise.all(
      [0, 1].map(async () => {
        const checkpointer = new AuditCheckpointer({
          client: admin,
          namespace,
          writer: DATABASE_CHECKPOINT_WRITER,
          key: { privateKey, publicKey, keyId: keyIdOf(publicKey) },
          every: 2,
          intervalMs: 60_000,
          clock: realClock,
          log: silentLogger,
          resolveChain: async () => (await tableEnds({ url: db.operatorUrl })).chain,
        });
        const recorder = await PostgresAuditRecorder.open({
          connection: { url: db.operatorUrl },
          mirror: (entry) => {
            checkpointer.observe(entry);
            return Promise.resolve();
          },
        });
        const { chain, last } = await tableEnds({ url: db.operatorUrl });
        await checkpointer.start(chain, last);
        return { checkpointer, recorder };
      }),
    );
    for (let i = 1; i <= 8; i++) await replicas[i % 2]?.recorder.record(sampleEvent(i));
    for (const { checkpointer, recorder } of replicas) {
      await recorder.close();
      await checkpointer.close();
    }
  });

  after(async () => {
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    await scratch?.cleanup();
    admin?.close();
  });

  const verify = () =>
    stagegateAs("admin", [
      "audit",
      "verify",
      ...login,
      `--public-key=${path.join(scratch.dir, "key.pub")}`,
      `--checkpoint-namespace=${namespace}`,
    ]);

  it("agrees with the database up to its last entry", async () => {
    const result = await verify();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /is intact: 8 entries, chain verified/);
    assert.match(result.stdout, /signed checkpoints agree with .* up to entry 8\./);
  });

  it("names the entries a superuser removed from the end of the table (the chain alone cannot)", async () => {
    await db.asAdmin("ALTER TABLE stagegate_audit.entries DISABLE TRIGGER USER");
    await db.asAdmin("DELETE FROM stagegate_audit.entries WHERE seq > 6");
    await db.asAdmin("ALTER TABLE stagegate_audit.entries ENABLE TRIGGER USER");
    const result = await verify();
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /is intact: 6 entries/);
    assert.match(
      result.stdout,
      /EntriesRemoved: .* the trail ends at entry 6: entries 7 to 8 at least were removed/,
    );
  });
});
