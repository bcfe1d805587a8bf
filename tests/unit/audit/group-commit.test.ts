// Group commit of the file trail (ADR 0035): records that arrive while a write runs share the next write and its
// fsync; every record still resolves only once its entry is durable, in call order, on one verifiable chain, and
// a failed write fails every record it carried.
import assert from "node:assert/strict";
import { open, readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { AuditTrailError } from "../../../src/audit/errors.js";
import { GroupCommit, MAX_BATCH_ITEMS, type BatchOutcome } from "../../../src/audit/group-commit.js";
import { transitionId, type AuditEvent } from "../../../src/audit/recorder.js";
import { AuditTrail, type AuditFile } from "../../../src/audit/trail.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { assertChain, sampleEvent, useScratchTrails } from "./audit-fixtures.js";

const scratch = useScratchTrails();

/** The real file, counting fsyncs and the lines each one made durable; the n-th fsync fails when asked. */
function countingFile(options: { failSync?: number } = {}) {
  const seen = { syncs: 0, appended: 0, durableLines: 0 };
  const openFile = async (file: string): Promise<AuditFile> => {
    const handle = await open(file, "a");
    return {
      async appendFile(data) {
        await handle.appendFile(data);
        seen.appended += Buffer.from(data).toString("utf8").split("\n").length - 1;
      },
      async sync() {
        if (++seen.syncs === options.failSync) {
          throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
        }
        await handle.sync();
        seen.durableLines = seen.appended;
      },
      async truncate(length) {
        await handle.truncate(length);
        seen.appended = (await readFile(file, "utf8")).split("\n").length - 1;
      },
      close: () => handle.close(),
    };
  };
  return { seen, openFile };
}

describe("AuditTrail group commit", () => {
  it("writes 50 concurrent records with two fsyncs, each durable when it resolves, in call order", async () => {
    const file = scratch.freshFile();
    const { seen, openFile } = countingFile();
    const trail = await AuditTrail.open({ path: file, openFile });
    const durableAtResolve: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        trail.record(sampleEvent(i + 1)).then(() => durableAtResolve.push(seen.durableLines)),
      ),
    );
    await trail.close();
    // The first record is written at once, alone; the 49 that came during its write share the next one.
    assert.equal(seen.syncs, 2);
    assert.ok(
      durableAtResolve.every((lines, i) => lines >= i + 1),
      `each record resolved after the fsync covering its entry (durable lines then: ${durableAtResolve.join(",")})`,
    );
    const entries = await assertChain(file, 50);
    assert.deepEqual(
      entries.map((e) => e.actor),
      Array.from({ length: 50 }, (_, i) => `approver-${i + 1}`),
    );
  });

  it("rejects every record of a batch whose fsync fails, writes none of them, and the chain continues", async () => {
    const file = scratch.freshFile();
    const { openFile } = countingFile({ failSync: 2 });
    const reported: unknown[] = [];
    const trail = await AuditTrail.open({ path: file, openFile, onWriteError: (err) => reported.push(err) });
    const first = trail.record(sampleEvent(1));
    const batch = Array.from({ length: 5 }, (_, i) => trail.record(sampleEvent(i + 2)));
    await first;
    const results = await Promise.allSettled(batch);
    assert.deepEqual(
      results.map((r) => r.status),
      Array.from({ length: 5 }, () => "rejected"),
    );
    for (const result of results) {
      assert.ok(result.status === "rejected" && result.reason instanceof AuditTrailError);
      assert.match(
        String((result.reason as Error).message),
        /Could not write audit entries 2 to 6 to .*: EIO/,
      );
    }
    assert.equal(reported.length, 5, "each failed record is counted");
    await trail.record(sampleEvent(7));
    await trail.close();
    const entries = await assertChain(file, 2);
    assert.deepEqual(
      entries.map((e) => e.actor),
      ["approver-1", "approver-7"],
    );
  });

  it("refuses an event that cannot be an entry alone, and chains its batch around it", async () => {
    const file = scratch.freshFile();
    const trail = await AuditTrail.open({ path: file });
    const first = trail.record(sampleEvent(1));
    const rest = [
      trail.record(sampleEvent(2)),
      trail.record({ ...sampleEvent(3), actor: "" }),
      trail.record(sampleEvent(4)),
    ];
    await first;
    const results = await Promise.allSettled(rest);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    await trail.close();
    const entries = await assertChain(file, 3);
    assert.deepEqual(
      entries.map((e) => e.actor),
      ["approver-1", "approver-2", "approver-4"],
    );
  });

  it("writes a transition recorded twice in one batch once, and both records stand or fall with that write", async () => {
    const transition = transitionId("DeploymentTask", "uid-1", "RollbackTaskOpened");
    const event: AuditEvent = { ...sampleEvent(2), transition };
    for (const failSync of [undefined, 2]) {
      const file = scratch.freshFile();
      const { openFile } = countingFile(failSync === undefined ? {} : { failSync });
      const trail = await AuditTrail.open({ path: file, openFile });
      const first = trail.record(sampleEvent(1));
      const twice = [trail.record(event), trail.record(event)];
      await first;
      const results = await Promise.allSettled(twice);
      await trail.close();
      if (failSync === undefined) {
        assert.deepEqual(
          results.map((r) => r.status),
          ["fulfilled", "fulfilled"],
        );
        const entries = await assertChain(file, 2);
        assert.equal(entries[1]?.transition, transition);
      } else {
        assert.deepEqual(
          results.map((r) => r.status),
          ["rejected", "rejected"],
          "the repeat is not answered as held when the entry it repeats was not written",
        );
        await assertChain(file, 1);
      }
      assert.ok((await verifyAuditFile(file)).ok);
    }
  });
});

describe("GroupCommit", () => {
  it("hands items over in order, at most MAX_BATCH_ITEMS at a time, and settles each with its outcome", async () => {
    const batches: number[][] = [];
    const commits = new GroupCommit<number>((items) => {
      batches.push([...items]);
      return Promise.resolve(
        items.map((n): BatchOutcome => (n % 100 === 7 ? { error: new Error(`no ${n}`) } : undefined)),
      );
    });
    const count = MAX_BATCH_ITEMS + 10;
    const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => commits.submit(i)));
    await commits.idle();
    assert.deepEqual(
      batches.flat(),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.deepEqual(
      batches.map((b) => b.length),
      [1, MAX_BATCH_ITEMS, count - 1 - MAX_BATCH_ITEMS],
    );
    const rejected = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    assert.deepEqual(rejected, [7, 107, 207]);
  });

  it("rejects every item of a batch whose commit throws, and keeps committing later ones", async () => {
    let calls = 0;
    const commits = new GroupCommit<string>((items) => {
      calls++;
      if (calls === 2) return Promise.reject(new Error("disk gone"));
      return Promise.resolve(items.map(() => undefined));
    });
    const first = commits.submit("a");
    const batch = [commits.submit("b"), commits.submit("c")];
    await first;
    const results = await Promise.allSettled(batch);
    assert.deepEqual(
      results.map((r) => (r.status === "rejected" ? String((r.reason as Error).message) : "ok")),
      ["disk gone", "disk gone"],
    );
    await commits.submit("d");
    assert.equal(calls, 3);
  });
});
