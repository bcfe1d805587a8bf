// The archive of closed records on a real PostgreSQL and a real API server: a closed DeploymentTask is archived
// exactly once by the archive controller (and by a retry or a second replica), survives the deletion of the
// object, verifies against its chain entry, and tampering with it, or a crash before it was recorded, shows. The
// document is the object as the API server holds it, read live, with the fields the cache drops (ADR 0058); a record
// deleted and made again under its name, or a live copy older than the one that closed, is never sealed.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Archiver, ArchiveStaleReadError } from "../../../src/audit/archive/archiver.js";
import { readArchiveDocument, sealArchiveDocument } from "../../../src/audit/archive/document.js";
import { PostgresArchiveStore } from "../../../src/audit/archive/postgres-store.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { createArchiveControllers, liveReaderOf } from "../../../src/controllers/archive/controller.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { LAST_APPLIED_ANNOTATION } from "../../../src/runtime/informer/transform.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { updateStatus } from "../../../src/runtime/status-writer.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { createAuditDatabase, databaseUrl, type AuditDatabase } from "../../support/postgres.js";
import { runControllers, type RunningControllers } from "../../support/run-controllers.js";
import { makeScratch } from "../../unit/audit/audit-fixtures.js";
import { runOfflineCli } from "../../support/offline-cli.js";

const API_VERSION = "stagegate.io/v1alpha1";

const cli = runOfflineCli;

describe("the archive of closed records in PostgreSQL", () => {
  let db: AuditDatabase;
  let recorder: PostgresAuditRecorder;
  let store: PostgresArchiveStore;
  let running: RunningControllers;
  let namespace: string;
  let login: string[];
  let scratch: Awaited<ReturnType<typeof makeScratch>>;
  let adminClient: KubeClient;
  const admin = (): Promise<KubeClient> => Promise.resolve(adminClient);

  before(async () => {
    db = await createAuditDatabase();
    adminClient = await clientFor("admin");
    scratch = await makeScratch();
    const file = path.join(scratch.dir, "operator.password");
    await writeFile(file, `${db.rolePassword}\n`, { mode: 0o600 });
    const url = databaseUrl(db.server, db.database, db.role, "").replace(":@", "@");
    login = ["--database-url", url, "--password-file", file];
    recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
    store = await PostgresArchiveStore.open({ url: db.operatorUrl });
    namespace = await createTestNamespace(await admin(), "archive");
    running = await runControllers({
      namespace,
      audit: recorder,
      controllers: (deps, informers) =>
        createArchiveControllers(
          deps,
          informers,
          new Archiver(store, recorder, () => new Date(), liveReaderOf(deps.client)),
        ),
    });
  });

  after(async () => {
    await running?.stop();
    await store?.close();
    await recorder?.close();
    await adminClient?.delete(builtin.namespace, namespace).catch(() => undefined);
    adminClient?.close();
    await scratch?.cleanup();
  });

  /** Creates a task, records an entry about it, and closes it as the task controller would (Succeeded True). */
  async function closedTask(
    name: string,
    extra: { spec?: Record<string, unknown>; annotations?: Record<string, string>; in?: string } = {},
  ): Promise<KubeObject> {
    const client = await admin();
    const where = extra.in ?? namespace;
    const task = await client.create(
      resources.deploymentTask,
      {
        apiVersion: API_VERSION,
        kind: "DeploymentTask",
        metadata: {
          name,
          namespace: where,
          ...(extra.annotations ? { annotations: extra.annotations } : {}),
        },
        spec: { type: "Checklist", title: "Run the smoke tests", ...extra.spec },
      },
      where,
    );
    // Outside input PostgreSQL's text cannot hold, in an entry about the task: the archive must still read the chain.
    await recorder.record({
      actor: "mallory\u0000",
      action: "AdmissionDenied",
      object: { kind: "DeploymentTask", namespace: where, name, uid: task.metadata.uid ?? "" },
      details: { comment: "nul \u0000 here" },
    });
    await recorder.record({
      actor: "erin",
      action: "TaskItemCompleted",
      object: { kind: "DeploymentTask", namespace: where, name, uid: task.metadata.uid ?? "" },
      details: { item: "smoke tests", evidence: "https://ci.example/run/42" },
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const closed = await updateStatus(client, resources.deploymentTask, task, (current) => ({
      status: {
        ...(current.status as object | undefined),
        phase: "Succeeded",
        conditions: [
          {
            type: "Succeeded",
            status: "True",
            reason: "Completed",
            message: "Every checklist item is done.",
            lastTransitionTime: now,
            observedGeneration: current.metadata.generation,
          },
        ],
      },
    }));
    return closed.object;
  }

  async function archivedRows(uid: string): Promise<{ hash: string }[]> {
    return db.asAdmin<{ hash: string }>(`SELECT hash FROM stagegate_audit.archive WHERE object_uid = $1`, [
      uid,
    ]);
  }

  async function recordsOf(uid: string): Promise<{ entry: { details: { documentHash: string } } }[]> {
    return db.asAdmin(
      `SELECT entry FROM stagegate_audit.entries WHERE action = 'RecordArchived' AND entry->'object'->>'uid' = $1`,
      [uid],
    );
  }

  it("archives a closed task once, and the document verifies after the task is deleted from the cluster", async () => {
    const task = await closedTask("smoke-tests");
    const uid = task.metadata.uid ?? "";
    const [record] = await waitFor(`the task's RecordArchived entry`, async () => {
      const found = await recordsOf(uid);
      return found.length > 0 ? found : undefined;
    });
    // A retry of the same close, and a second replica's archiver with its own clock, archive nothing more.
    const live = liveReaderOf(await admin());
    const replica = new Archiver(store, recorder, () => new Date(Date.now() + 60_000), live);
    const fresh = await (await admin()).get(resources.deploymentTask, "smoke-tests", namespace);
    const again = await Promise.all([
      replica.archive("task", fresh),
      new Archiver(store, recorder, () => new Date(), live).archive("task", fresh),
    ]);
    assert.deepEqual(
      again.map((o) => o.kind),
      ["already", "already"],
    );
    assert.equal((await archivedRows(uid)).length, 1);
    assert.equal((await recordsOf(uid)).length, 1);

    await (await admin()).delete(resources.deploymentTask, "smoke-tests", namespace);
    const got = await cli(["audit", "archive", "get", `task/${uid}`, ...login, "-o", "json"]);
    assert.equal(got.code, 0, got.err);
    const shown = JSON.parse(got.out) as {
      verification: { ok: boolean; hash: string };
      document: {
        object: { metadata: Record<string, unknown>; status: unknown };
        entries: { action: string }[];
      };
    };
    assert.equal(shown.verification.ok, true);
    assert.equal(shown.verification.hash, record?.entry.details.documentHash);
    assert.equal(shown.document.object.metadata.uid, uid);
    assert.equal(shown.document.object.metadata.managedFields, undefined, "managedFields are left out");
    assert.deepEqual(
      shown.document.entries.map((e) => e.action),
      ["AdmissionDenied", "TaskItemCompleted"],
    );
    const listed = await cli(["audit", "archive", "list", ...login, "--class", "task", "-n", namespace]);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /smoke-tests .* yes \(entry \d+\)/);
    assert.match(listed.out, /is intact/);
  });

  it("records a document that was stored before a crash kept it from being recorded", async () => {
    const task = await closedTask("crashed-before-record");
    const uid = task.metadata.uid ?? "";
    // Another archiver stored the document and died before recording it (the controller may already be there).
    const sealed = sealArchiveDocument({
      class: "task",
      object: task,
      related: [],
      entries: [],
      closedAt: new Date(),
      archivedAt: new Date(),
      archivedBy: "stagegate-operator",
    });
    const stored = await store.put(sealed);
    await waitFor("the stored document to be recorded", async () =>
      (await recordsOf(uid)).length > 0 ? true : undefined,
    );
    const records = await recordsOf(uid);
    assert.equal(records.length, 1, "recorded exactly once");
    assert.equal(
      records[0]?.entry.details.documentHash,
      stored.hash,
      "the first stored document is the one kept",
    );
  });

  it("finds an archived document changed behind the triggers' back, and the operator cannot change one", async () => {
    const task = await closedTask("tampered");
    const uid = task.metadata.uid ?? "";
    await waitFor("the task to be archived", async () =>
      (await recordsOf(uid)).length > 0 ? true : undefined,
    );
    // The operator's role: no UPDATE, DELETE or TRUNCATE on the archive.
    for (const sql of [
      `UPDATE stagegate_audit.archive SET document = '{}' WHERE object_uid = '${uid}'`,
      `DELETE FROM stagegate_audit.archive WHERE object_uid = '${uid}'`,
      `TRUNCATE stagegate_audit.archive`,
    ]) {
      await assert.rejects(db.asOperator(sql), /permission denied/, sql);
    }
    // Even the owner is refused by the trigger; and a row whose text does not hash to its key is refused too.
    await assert.rejects(
      db.asAdmin(`DELETE FROM stagegate_audit.archive WHERE object_uid = $1`, [uid]),
      /append-only/,
    );
    await assert.rejects(
      db.asOperator(
        `INSERT INTO stagegate_audit.archive (hash, class, object_uid, object_kind, object_name, closed_at, archived_at, document)
          VALUES ($1, 'task', 'forged', 'DeploymentTask', 'x', now(), now(), '{}')`,
        ["0".repeat(64)],
      ),
      /archive_hash_seals_document/,
    );
    // A superuser disables the trigger and the check, and edits the document: get and list both say so.
    await db.asAdmin(`ALTER TABLE stagegate_audit.archive DISABLE TRIGGER archive_append_only`);
    await db.asAdmin(`ALTER TABLE stagegate_audit.archive DROP CONSTRAINT archive_hash_seals_document`);
    await db.asAdmin(
      `UPDATE stagegate_audit.archive SET document = replace(document, 'Run the smoke tests', 'Skipped')
        WHERE object_uid = $1`,
      [uid],
    );
    const got = await cli(["audit", "archive", "get", `task/${uid}`, ...login]);
    assert.equal(got.code, 1);
    assert.match(
      got.err,
      /does not verify: its content hashes to [0-9a-f]{64}, not [0-9a-f]{64}, so it was changed/,
    );
    assert.equal(got.out, "", "nothing of a document that does not verify is printed");
    const listed = await cli(["audit", "archive", "list", ...login, "--name", "tampered"]);
    assert.equal(listed.code, 1);
    assert.match(listed.out, /NO: its content hashes to/);
  });
  it("seals the task as the API server holds it, with the texts and last-applied copy the cache drops", async () => {
    const spec = {
      description: "Run the smoke tests against the canary before prod; they take about ten minutes.",
      checklist: [
        {
          name: "smoke",
          description: "Run make smoke against the canary.",
          required: false,
          state: "Pending",
        },
      ],
    };
    const lastApplied = JSON.stringify({ kind: "DeploymentTask", spec });
    const task = await closedTask("sealed-live", {
      spec,
      annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied },
    });
    const uid = task.metadata.uid ?? "";
    const [row] = await waitFor("the task's archived document", async () => {
      const found = await db.asAdmin<{ hash: string; document: string }>(
        `SELECT hash, document FROM stagegate_audit.archive WHERE object_uid = $1`,
        [uid],
      );
      return found.length > 0 ? found : undefined;
    });
    const cached = running.informers.deploymentTasks.store.get(`${namespace}/sealed-live`);
    assert.ok(cached !== undefined);
    assert.equal((cached.spec as { description?: string }).description, undefined, "the cache drops it");
    assert.equal(cached.metadata.annotations?.[LAST_APPLIED_ANNOTATION], undefined, "the cache drops it");
    const read = readArchiveDocument(row?.hash ?? "", row?.document ?? "");
    assert.ok(read.ok, read.ok ? "" : read.problem);
    const live = await (await admin()).get(resources.deploymentTask, "sealed-live", namespace);
    const { managedFields: _dropped, ...metadata } = live.metadata;
    assert.deepEqual(read.stored.document.object, { ...live, metadata }, "the document is the live object");
    assert.equal(
      (read.stored.document.object.spec as { description?: string }).description,
      spec.description,
    );
  });

  it("never seals a closed record deleted and made again under its name, nor a live copy older than the closing one", async () => {
    // A namespace no archive controller of this test watches: the archiver is driven by hand.
    const elsewhere = await createTestNamespace(await admin(), "archive-live");
    try {
      const client = await admin();
      const archiver = new Archiver(store, recorder, () => new Date(), liveReaderOf(client));
      // Deleted and made again, closed too, under the same name: the closing copy names the old uid.
      const closing = await closedTask("recreated", { in: elsewhere });
      await client.delete(resources.deploymentTask, "recreated", elsewhere);
      await waitFor("the task to be gone", async () =>
        (await client.get(resources.deploymentTask, "recreated", elsewhere).catch(() => undefined)) ===
        undefined
          ? true
          : undefined,
      );
      const successor = await closedTask("recreated", { in: elsewhere, spec: { title: "Something else" } });
      assert.notEqual(successor.metadata.uid, closing.metadata.uid);
      const outcome = await archiver.archive("task", closing);
      assert.equal(outcome.kind, "gone");
      assert.match(outcome.kind === "gone" ? outcome.problem : "", /now is another record/);
      assert.deepEqual(
        await archivedRows(closing.metadata.uid ?? ""),
        [],
        "nothing sealed for the closed uid",
      );
      assert.deepEqual(
        await archivedRows(successor.metadata.uid ?? ""),
        [],
        "nor the successor in its place",
      );
      // Deleted for good: gone as well.
      await client.delete(resources.deploymentTask, "recreated", elsewhere);
      await waitFor("the successor to be gone", async () =>
        (await client.get(resources.deploymentTask, "recreated", elsewhere).catch(() => undefined)) ===
        undefined
          ? true
          : undefined,
      );
      assert.equal((await archiver.archive("task", successor)).kind, "gone");
      assert.deepEqual(await archivedRows(successor.metadata.uid ?? ""), []);

      // A copy claiming a later version than the API server holds (a forged or replayed close): not sealed, retried.
      const current = await closedTask("ahead", { in: elsewhere });
      const ahead = {
        ...current,
        metadata: {
          ...current.metadata,
          resourceVersion: String(BigInt(current.metadata.resourceVersion ?? "0") + 1000n),
        },
      };
      await assert.rejects(archiver.archive("task", ahead), ArchiveStaleReadError);
      assert.deepEqual(await archivedRows(current.metadata.uid ?? ""), []);
      // The copy that really closed it is sealed, as the API server holds it.
      assert.equal((await archiver.archive("task", current)).kind, "archived");
      assert.equal((await archivedRows(current.metadata.uid ?? "")).length, 1);
    } finally {
      await (await admin()).delete(builtin.namespace, elsewhere).catch(() => undefined);
    }
  });
});
