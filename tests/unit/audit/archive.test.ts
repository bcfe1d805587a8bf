// The archive on a file trail and the pure parts of archiving: when a record counts as closed, the sealed
// document, exactly-once archiving across retries and a crash, and tampering found by `audit archive`.
import assert from "node:assert/strict";
import { chmod, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import {
  Archiver,
  ArchiveDamagedError,
  ArchiveStaleReadError,
  type ArchivableObject,
  type LiveReader,
} from "../../../src/audit/archive/archiver.js";
import { closedAt } from "../../../src/audit/archive/closed.js";
import { compareResourceVersions, liveRecord } from "../../../src/audit/archive/live-record.js";
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

/** The API server as the archiver reads it live: these objects, found by namespace and name (404 otherwise). */
function cluster(...objects: ArchivableObject[]): LiveReader {
  return (_class, closing) =>
    Promise.resolve(
      objects.find(
        (o) =>
          o.metadata.name === closing.metadata.name && o.metadata.namespace === closing.metadata.namespace,
      ),
    );
}

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
      const open = await new Archiver(store, trail, () => new Date(T), cluster(closed)).archive("task", {
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
          (
            await new Archiver(store, trail, () => new Date(Date.now() + i), cluster(closed)).archive(
              "task",
              closed,
            )
          ).kind,
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
        new Archiver(store, other, () => new Date(), cluster(closed)).archive("task", closed),
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
      metadata: { name: "release-42-prod", namespace: "payments", uid: "change-uid-1", resourceVersion: "1" },
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
      const outcome = await new Archiver(
        new FileArchiveStore(file),
        trail,
        () => new Date(T),
        cluster(change),
      ).archive("change", change, [approval]);
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

describe("what the archiver seals: the record read live, if it is the one that closed (ADR 0058)", () => {
  const uid = "11111111-2222-3333-4444-555555555555";
  const succeeded = { conditions: [condition("Succeeded", "True", "Completed")] };
  const at = (resourceVersion: string, status: unknown = succeeded, otherUid = uid): ArchivableObject => ({
    ...task("smoke", otherUid, status),
    metadata: { ...task("smoke", otherUid, status).metadata, resourceVersion },
  });
  const rows: { name: string; live: ArchivableObject | undefined; expected: string }[] = [
    { name: "the same version", live: at("100"), expected: "sealable" },
    { name: "a newer version, still closed", live: at("120"), expected: "sealable" },
    { name: "a newer version open again", live: at("120", { conditions: [] }), expected: "reopened" },
    { name: "an older version (a stale or forged read)", live: at("99"), expected: "stale" },
    { name: "a version that is not a number", live: at("abc"), expected: "stale" },
    { name: "not found", live: undefined, expected: "gone" },
    { name: "another record under the name", live: at("150", succeeded, "another-uid"), expected: "gone" },
  ];
  for (const row of rows) {
    it(`${row.expected}: ${row.name}`, () => {
      assert.equal(liveRecord("task", at("100"), row.live).kind, row.expected);
    });
  }

  it("orders resourceVersions as numbers, not text", () => {
    assert.equal(compareResourceVersions("99", "100"), -1);
    assert.equal(compareResourceVersions("100", "99"), 1);
    assert.equal(compareResourceVersions("7", "7"), 0);
    assert.equal(compareResourceVersions(undefined, "7"), undefined);
  });

  const scratch = useScratchTrails();

  it("seals the live object whole, not the cached copy, and seals nothing of a record made again", async () => {
    const file = scratch.freshFile();
    const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
    const store = new FileArchiveStore(file);
    const cached = at("100");
    const live: ArchivableObject = {
      ...at("101"),
      spec: { type: "Checklist", title: "Smoke tests", description: "What the cache dropped." },
    };
    try {
      const recreated = await new Archiver(
        store,
        trail,
        () => new Date(T),
        cluster(at("150", succeeded, "new")),
      ).archive("task", cached);
      assert.equal(recreated.kind, "gone");
      await assert.rejects(
        new Archiver(store, trail, () => new Date(T), cluster(at("99"))).archive("task", cached),
        ArchiveStaleReadError,
      );
      assert.deepEqual(await store.list({}), [], "nothing sealed");
      const outcome = await new Archiver(store, trail, () => new Date(T), cluster(live)).archive(
        "task",
        cached,
      );
      assert.equal(outcome.kind, "archived");
      const read = readArchiveDocument(
        outcome.kind === "archived" ? outcome.row.hash : "",
        outcome.kind === "archived" ? outcome.row.text : "",
      );
      assert.ok(read.ok);
      const { managedFields: _dropped, ...metadata } = live.metadata as Record<string, unknown>;
      assert.deepEqual(read.stored.document.object, { ...live, metadata });
    } finally {
      await trail.close();
    }
  });
});
