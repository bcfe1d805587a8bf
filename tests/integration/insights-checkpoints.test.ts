// `stagegate retro` and `stagegate insights failures` with --public-key: the month written by the real AuditTrail
// while the real AuditCheckpointer signs checkpoints into ConfigMaps on the real API server. A trail mallory rewrote
// as a whole (a failure turned into a success, every later entry resealed, so the chain alone still verifies) is
// caught against the checkpoints: named at the top, exit 1.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { AuditEntry } from "../../src/audit/entry.js";
import { AuditCheckpointer } from "../../src/audit/checkpoints/publisher.js";
import { keyIdOf } from "../../src/audit/checkpoints/signing-key.js";
import { AuditTrail } from "../../src/audit/trail.js";
import { realClock } from "../../src/runtime/clock.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { deleteIgnoringMissing } from "../support/controller-world.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { makeScratch, readLines, reseal, writeLines } from "../unit/audit/audit-fixtures.js";
import { stagegateAs } from "./cli/cli-helpers.js";
import { monthStory, RETRO_RELEASE } from "./insights-story.js";

const WRITER = "stagegate-0";
const NS = "payments";
const NOVEMBER = ["--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z"];

interface FailuresJson {
  trails: { verified: boolean; sentence: string }[];
  patterns: { pattern: string; with: { promotions: number; failures: number } }[];
}

/** The trail with `change` applied to the first entry `pick` accepts, and every later entry resealed onto it. */
async function rewriteAsAWhole(
  from: string,
  to: string,
  pick: (entry: AuditEntry) => boolean,
  change: (entry: AuditEntry) => AuditEntry,
): Promise<void> {
  const entries = (await readLines(from)).map((line) => JSON.parse(line) as AuditEntry);
  const at = entries.findIndex(pick);
  assert.ok(at >= 0, "nothing to rewrite");
  const lines: string[] = [];
  let prevHash = "";
  for (const [i, entry] of entries.entries()) {
    if (i < at) {
      lines.push(JSON.stringify(entry));
      prevHash = entry.hash;
      continue;
    }
    const changed = i === at ? change(entry) : entry;
    const { hash: _old, ...body } = changed;
    const line = reseal({ ...body, prevHash });
    lines.push(line);
    prevHash = (JSON.parse(line) as AuditEntry).hash;
  }
  await writeLines(to, lines);
}

describe("stagegate retro and insights failures against signed checkpoints", () => {
  let admin: KubeClient;
  let checkpoints: string;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let trail: string;
  let keyFile: string;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");

  before(async () => {
    admin = await clientFor("admin");
    checkpoints = await createTestNamespace(admin, "insights-cps");
    scratch = await makeScratch();
    keyFile = path.join(scratch.dir, "key.pub");
    await writeFile(keyFile, publicKey.export({ type: "spki", format: "pem" }));
    trail = path.join(scratch.dir, "audit-0.jsonl");
    const checkpointer = new AuditCheckpointer({
      client: admin,
      namespace: checkpoints,
      writer: WRITER,
      key: { privateKey, publicKey, keyId: keyIdOf(publicKey) },
      every: 25,
      intervalMs: 60_000,
      clock: realClock,
      log: silentLogger,
    });
    await checkpointer.start(undefined, undefined);
    let now = new Date(0);
    const recorder = await AuditTrail.open({
      path: trail,
      clock: () => now,
      mirror: (entry) => {
        checkpointer.observe(entry);
        return Promise.resolve();
      },
    });
    try {
      for (const { time, event } of monthStory(NS)) {
        now = new Date(time);
        await recorder.record(event);
      }
    } finally {
      await recorder.close();
      await checkpointer.close();
    }
  });

  after(async () => {
    await deleteIgnoringMissing(admin, builtin.namespace, checkpoints);
    await scratch?.cleanup();
    admin?.close();
  });

  const signed = (): string[] => [
    `--public-key=${keyFile}`,
    `--checkpoint-namespace=${checkpoints}`,
    `--writer=${WRITER}`,
  ];

  it("says the trail agrees with its signed checkpoints", async () => {
    const retro = await stagegateAs("admin", ["retro", RETRO_RELEASE, "-n", NS, trail, ...signed()]);
    assert.equal(retro.code, 0, retro.stderr);
    assert.match(
      retro.stdout,
      /Chain verified: the trail is intact and agrees with its signed checkpoints\./,
    );
    assert.match(retro.stderr, /signed checkpoints agree with .*audit-0\.jsonl/);
    const failures = await stagegateAs("admin", [
      "insights",
      "failures",
      trail,
      ...NOVEMBER,
      ...signed(),
      "-o",
      "json",
    ]);
    assert.equal(failures.code, 0, failures.stderr);
    const analysis = JSON.parse(failures.stdout) as FailuresJson;
    assert.equal(analysis.trails[0]?.verified, true);
    assert.match(analysis.trails[0]?.sentence ?? "", /signed checkpoints agree/);
  });

  it("catches a trail rewritten as a whole, which the chain alone cannot", async () => {
    const rewritten = path.join(scratch.dir, "rewritten.jsonl");
    // mallory turns late-0's failure into a success, so late approvals look safer, and reseals the rest.
    await rewriteAsAWhole(
      trail,
      rewritten,
      (e) => e.action === "EnvironmentFailed" && e.object.name === "late-0",
      (e) => ({
        ...e,
        action: "EnvironmentVerified",
        details: { environment: "prod", revision: e.details.revision ?? null },
      }),
    );
    const unsigned = await stagegateAs("admin", [
      "insights",
      "failures",
      rewritten,
      ...NOVEMBER,
      "-o",
      "json",
    ]);
    assert.equal(unsigned.code, 0, "the chain alone does not see a rewrite with every hash recomputed");
    const late = (JSON.parse(unsigned.stdout) as FailuresJson).patterns.find(
      (p) => p.pattern === "lateApproval",
    );
    assert.equal(late?.with.failures, 9);

    const failures = await stagegateAs("admin", [
      "insights",
      "failures",
      rewritten,
      ...NOVEMBER,
      ...signed(),
    ]);
    assert.equal(failures.code, 1, failures.stderr);
    assert.match(failures.stdout, /^WARNING: .*rewritten\.jsonl/);
    const retro = await stagegateAs("admin", ["retro", "late-0", "-n", NS, rewritten, ...signed()]);
    assert.equal(retro.code, 1, retro.stderr);
    assert.match(
      retro.stdout,
      /^# Retrospective of release payments\/late-0\n\n\*\*CHAIN BROKEN: the audit trail .*rewritten\.jsonl did not verify/,
    );
    assert.match(retro.stdout, /## Chain proof\n\n- audit trail .*rewritten\.jsonl is intact/);
  });
});
