// The archive on a file trail and the pure parts of archiving: when a record counts as closed, the sealed
// document, exactly-once archiving across retries and a crash, and tampering found by `audit archive`.
import assert from "node:assert/strict";
import { chmod, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { Archiver, ArchiveDamagedError, type ArchivableObject } from "../../../src/audit/archive/archiver.js";
import { closedAt } from "../../../src/audit/archive/closed.js";
import {
  readArchiveDocument,
  sealArchiveDocument,
  type ArchiveClass,
} from "../../../src/audit/archive/document.js";
import { FileArchiveStore, archiveDirectoryOf } from "../../../src/audit/archive/file-store.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { readEntries, tickingClock, useScratchTrails } from "./audit-fixtures.js";
import { runOfflineCli } from "../../support/offline-cli.js";

const T = "2026-12-01T10:00:00Z";

const cli = runOfflineCli;

function condition(type: string, status: string, reason: string, generation = 1): Record<string, unknown> {
  return { type, status, reason, message: "m.", lastTransitionTime: T, observedGeneration: generation };
}

function task(name: string, uid: string, status: unknown): ArchivableObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: {
      name,
      namespace: "payments",
      uid,
      generation: 1,
      creationTimestamp: "2026-11-01T00:00:00Z",
      managedFields: [{ manager: "kubectl" }],
    } as ArchivableObject["metadata"],
    spec: { type: "Checklist", title: "Smoke tests" },
    status,
  };
}

describe("when a record is closed", () => {
  const rows: { name: string; class: ArchiveClass; status: unknown; generation?: number; closed: boolean }[] =
    [
      {
        name: "a release Ready True Complete",
        class: "release",
        status: { conditions: [condition("Ready", "True", "Complete")] },
        closed: true,
      },
      {
        name: "a release still promoting",
        class: "release",
        status: { conditions: [condition("Ready", "False", "Promoting")] },
        closed: false,
      },
      {
        name: "a release Complete for an older generation",
        class: "release",
        status: { conditions: [condition("Ready", "True", "Complete", 1)] },
        generation: 2,
        closed: false,
      },
      { name: "a change with closedAt", class: "change", status: { closedAt: T }, closed: true },
      {
        name: "an approved change not yet used",
        class: "change",
        status: { resolution: "Approved" },
        closed: false,
      },
      {
        name: "a task that succeeded",
        class: "task",
        status: { conditions: [condition("Succeeded", "True", "Completed")] },
        closed: true,
      },
      {
        name: "a task that failed or was cancelled",
        class: "task",
        status: { conditions: [condition("Succeeded", "False", "Cancelled")] },
        closed: true,
      },
      {
        name: "a task still running",
        class: "task",
        status: { conditions: [condition("Succeeded", "Unknown", "Running")] },
        closed: false,
      },
      { name: "an object without status", class: "task", status: undefined, closed: false },
    ];
  for (const row of rows) {
    it(`${row.closed ? "is" : "is not"} closed: ${row.name}`, () => {
      const at = closedAt(row.class, { metadata: { generation: row.generation ?? 1 }, status: row.status });
      assert.equal(at !== undefined, row.closed);
    });
  }
});

describe("an archive document", () => {
  it("is canonical JSON without managedFields whose hash a reader checks, and an edit shows", () => {
    const sealed = sealArchiveDocument({
      class: "task",
      object: task("t", "uid-1", { conditions: [] }),
      related: [],
      entries: [],
      closedAt: new Date(T),
      archivedAt: new Date(T),
      archivedBy: "stagegate-operator",
    });
    assert.equal((sealed.document.object.metadata as Record<string, unknown>).managedFields, undefined);
    assert.equal(readArchiveDocument(sealed.hash, sealed.text).ok, true);
    const edited = readArchiveDocument(sealed.hash, sealed.text.replace("Smoke tests", "Skipped"));
    assert.equal(edited.ok, false);
    assert.match(edited.ok ? "" : edited.problem, /so it was changed after it was archived/);
  });

  it("refuses an object without a uid", () => {
    assert.throws(() =>
      sealArchiveDocument({
        class: "task",
        object: { kind: "DeploymentTask", metadata: { name: "t" } },
        related: [],
        entries: [],
        closedAt: new Date(T),
        archivedAt: new Date(T),
        archivedBy: "stagegate-operator",
      }),
    );
  });
});

describe("the archive of a file trail", () => {
  const scratch = useScratchTrails();

  it("archives a closed task once across retries, survives a crash before recording, and finds tampering", async () => {
    const file = scratch.freshFile();
    const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
    const store = new FileArchiveStore(file);
    const closed = task("smoke", "11111111-2222-3333-4444-555555555555", {
      conditions: [condition("Succeeded", "True", "Completed")],
    });
    try {
      await trail.record({
        actor: "erin",
        action: "TaskItemCompleted",
        object: {
          kind: "DeploymentTask",
          namespace: "payments",
          name: "smoke",
          uid: closed.metadata.uid ?? "",
        },
        details: { item: "smoke tests" },
      });
      const open = await new Archiver(store, trail, () => new Date(T)).archive("task", {
        ...closed,
        status: { conditions: [] },
      });
      assert.equal(open.kind, "open");
      // A crash after storing: the document is there, no entry records it; the next pass records it.
      const stored = await store.put(
        sealArchiveDocument({
          class: "task",
          object: closed,
          related: [],
          entries: [],
          closedAt: new Date(T),
          archivedAt: new Date(T),
          archivedBy: "stagegate-operator",
        }),
      );
      const outcomes = [];
      for (let i = 0; i < 3; i++) {
        outcomes.push(
          (await new Archiver(store, trail, () => new Date(Date.now() + i)).archive("task", closed)).kind,
        );
      }
      assert.deepEqual(outcomes, ["recorded", "already", "already"]);
      const records = (await readEntries(file)).filter((e) => e.action === "RecordArchived");
      assert.equal(records.length, 1);
      assert.equal(records[0]?.details.documentHash, stored.hash);
      const dir = path.join(archiveDirectoryOf(file), "task", closed.metadata.uid ?? "");
      assert.deepEqual(
        await readdir(dir),
        [`${stored.hash}.json`],
        "one content-addressed file, no leftovers",
      );
    } finally {
      await trail.close();
    }

    const got = await cli([
      "audit",
      "archive",
      "get",
      (await store.list({}))[0]?.hash ?? "",
      "--trail",
      file,
    ]);
    assert.equal(got.code, 0, got.err);
    assert.match(got.err, /verified against audit entry 2/);

    // Someone who can write the directory edits the document (it is written read-only, so they chmod it first).
    const [row] = await store.list({});
    const target = path.join(archiveDirectoryOf(file), "task", row?.uid ?? "", `${row?.hash ?? ""}.json`);
    await chmod(target, 0o644);
    await writeFile(target, (row?.text ?? "").replace("Smoke tests", "Skipped"));
    const tampered = await cli(["audit", "archive", "list", "--trail", file]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.out, /NO: its content hashes to/);
    const other = await AuditTrail.open({ path: scratch.freshFile() });
    try {
      await assert.rejects(
        new Archiver(store, other, () => new Date()).archive("task", closed),
        ArchiveDamagedError,
      );
    } finally {
      await other.close();
    }
  });
});

describe("the archive of a closed change", () => {
  const scratch = useScratchTrails();

  it("carries the entries about its Approvals (the decisions) with its own, in chain order", async () => {
    const file = scratch.freshFile();
    const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
    const change: ArchivableObject = {
      kind: "ChangeRequest",
      metadata: { name: "release-42-prod", namespace: "payments", uid: "change-uid-1" },
      status: { closedAt: T, resolution: "Approved" },
    };
    const approval: ArchivableObject = {
      kind: "Approval",
      metadata: { name: "release-42-prod-1", namespace: "payments", uid: "approval-uid-1" },
      spec: { decisions: { alice: { decision: "Approve" } } },
    };
    try {
      const about = (
        o: ArchivableObject,
      ): { kind: string; namespace: string; name: string; uid: string } => ({
        kind: o.kind ?? "",
        namespace: "payments",
        name: o.metadata.name,
        uid: o.metadata.uid ?? "",
      });
      await trail.record({ actor: "bob", action: "ChangeRequested", object: about(change), details: {} });
      await trail.record({
        actor: "alice",
        action: "DecisionRecorded",
        object: about(approval),
        details: {},
      });
      await trail.record({
        actor: "mallory",
        action: "DecisionRecorded",
        object: { ...about(approval), uid: "other" },
        details: {},
      });
      await trail.record({
        actor: "stagegate-operator",
        action: "ChangeClosed",
        object: about(change),
        details: {},
      });
      const outcome = await new Archiver(new FileArchiveStore(file), trail, () => new Date(T)).archive(
        "change",
        change,
        [approval],
      );
      assert.equal(outcome.kind, "archived");
      const read = readArchiveDocument(
        outcome.kind === "archived" ? outcome.row.hash : "",
        outcome.kind === "archived" ? outcome.row.text : "",
      );
      assert.ok(read.ok);
      assert.deepEqual(
        read.stored.document.entries.map((e) => `${e.seq} ${e.action} ${e.actor}`),
        ["1 ChangeRequested bob", "2 DecisionRecorded alice", "4 ChangeClosed stagegate-operator"],
      );
      assert.deepEqual(
        read.stored.document.related.map((o) => o.metadata.name),
        ["release-42-prod-1"],
      );
    } finally {
      await trail.close();
    }
  });
});

describe("stagegate audit archive: bad input", () => {
  const cases: { argv: string[]; error: RegExp }[] = [
    { argv: ["audit", "archive", "list"], error: /--database-url URL .* or --trail FILE/ },
    {
      argv: ["audit", "archive", "list", "--trail", "a", "--database-url", "postgresql://u@h/d"],
      error: /either --database-url or --trail/,
    },
    {
      argv: ["audit", "archive", "list", "--trail", "a", "--class", "tickets"],
      error: /--class must be release, change or task/,
    },
    {
      argv: ["audit", "archive", "list", "--database-url", "postgresql://u:secret@h/d"],
      error: /must not hold a password/,
    },
    { argv: ["audit", "archive", "get", "--trail", "a"], error: /missing HASH\|CLASS\/UID/ },
    {
      argv: ["audit", "archive", "get", "ticket/123", "--trail", "a"],
      error: /names no document: give its hash .* or CLASS\/UID/,
    },
    { argv: ["audit", "archive", "get", "abc", "--trail", "a"], error: /names no document/ },
  ];
  for (const { argv, error } of cases) {
    it(`refuses ${argv.slice(2).join(" ")}`, async () => {
      const result = await cli(argv);
      assert.equal(result.code, 2);
      assert.match(result.err, error);
    });
  }
});
