// `stagegate audit report` end to end, the CLI as its own process: a release's story written by the real AuditTrail
// and signed into checkpoint ConfigMaps on the real API server, the report printed to PDF by Debian's headless
// Chromium and read back with pdftotext; the period report; a tampered trail said to be broken; and the trail left
// exactly as it was.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AuditCheckpointer } from "../../../src/audit/checkpoints/publisher.js";
import { keyIdOf } from "../../../src/audit/checkpoints/signing-key.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { resources } from "../../../src/controllers/resources.js";
import { realClock } from "../../../src/runtime/clock.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { deleteIgnoringMissing } from "../../support/controller-world.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { HOSTILE, releaseStory, storyNames, type StoryNames } from "../../support/report-story.js";
import { fileDigest, pdfText, writeStory } from "../../support/report-trail.js";
import { makeScratch } from "../../unit/audit/audit-fixtures.js";
import { stagegateAs } from "../cli/cli-helpers.js";

const WRITER = "stagegate-0";

describe("stagegate audit report", () => {
  let admin: KubeClient;
  let checkpoints: string;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let trail: string;
  let names: StoryNames;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  let keyFile: string;

  before(async () => {
    admin = await clientFor("admin");
    checkpoints = await createTestNamespace(admin, "report-cps");
    names = storyNames(await createTestNamespace(admin, "report"));
    scratch = await makeScratch();
    keyFile = path.join(scratch.dir, "key.pub");
    await writeFile(keyFile, publicKey.export({ type: "spki", format: "pem" }));
    trail = path.join(scratch.dir, "audit-0.jsonl");
    const checkpointer = new AuditCheckpointer({
      client: admin,
      namespace: checkpoints,
      writer: WRITER,
      key: { privateKey, publicKey, keyId: keyIdOf(publicKey) },
      every: 10,
      intervalMs: 60_000,
      clock: realClock,
      log: silentLogger,
    });
    await checkpointer.start(undefined, undefined);
    await writeStory(trail, releaseStory(names), (entry) => {
      checkpointer.observe(entry);
      return Promise.resolve();
    });
    await checkpointer.close();
  });

  after(async () => {
    for (const ns of [checkpoints, names.namespace])
      await deleteIgnoringMissing(admin, builtin.namespace, ns);
    await scratch?.cleanup();
    admin?.close();
  });

  const signed = () => [
    `--public-key=${keyFile}`,
    `--checkpoint-namespace=${checkpoints}`,
    `--writer=${WRITER}`,
  ];

  it("prints a release's report to PDF with real Chromium: who approved what, where, verified, the chain proved", async () => {
    const before = await fileDigest(trail);
    const out = path.join(scratch.dir, "release.pdf");
    const result = await stagegateAs("admin", [
      "audit",
      "report",
      "release",
      names.release,
      "-n",
      names.namespace,
      trail,
      ...signed(),
      "--format",
      "pdf",
      "-o",
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /signed checkpoints agree with .*audit-0\.jsonl, up to entry 28\./);
    const text = await pdfText(out);
    assert.match(text, new RegExp(`Release ${names.namespace}/${names.release}`));
    assert.match(text, /Chain verified: the trail is intact and agrees with its signed checkpoints/);
    assert.match(text, /alice Approve CAB reviewed <script>alert\('pwned'\)<\/script>/);
    assert.match(text, /carol Approve Rollback plan checked\./);
    assert.match(text, /Approvers alice, carol/);
    assert.match(text, /prod/);
    assert.match(text, /Passed error-rate: 10 measurements/);
    assert.match(text, /Emergency changes and their reviews/);
    assert.match(text, /by frank/);
    assert.equal(await fileDigest(trail), before, "the report changed the trail");
  });

  it("writes the release's report as HTML with the record's markup escaped", async () => {
    const out = path.join(scratch.dir, "release.html");
    const result = await stagegateAs("admin", [
      "audit",
      "report",
      "release",
      names.release,
      "-n",
      names.namespace,
      trail,
      "-o",
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const html = await readFile(out, "utf8");
    assert.ok(!html.includes(HOSTILE));
    assert.match(html, /CAB reviewed &lt;script&gt;/);
    assert.match(html, /Signed checkpoints were not checked/);
  });

  it("prints a period's report: every change to prod with its approvers, and the exceptions", async () => {
    const out = path.join(scratch.dir, "period.pdf");
    const result = await stagegateAs("admin", [
      "audit",
      "report",
      "period",
      "--since",
      "2026-12-06T00:00:00Z",
      "--until",
      "2026-12-07T00:00:00Z",
      "--environment",
      "prod",
      trail,
      ...signed(),
      "--format",
      "pdf",
      "-o",
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const text = await pdfText(out);
    assert.match(text, /Scope: prod\./);
    assert.match(text, /2 \(1 promotions, 1 rollbacks\)/);
    assert.match(text, /alice, carol/);
    assert.match(text, /Emergency change/);
    assert.match(text, /break-glass rollback/);
  });

  it("says prominently that a tampered trail's chain is broken, and exits 1", async () => {
    const tampered = path.join(scratch.dir, "tampered.jsonl");
    const lines = (await readFile(trail, "utf8")).split("\n");
    // Carol's approval comment rewritten in place, its hash left as it was.
    const i = lines.findIndex((l) => l.includes("Rollback plan checked."));
    lines[i] = (lines[i] ?? "").replace("Rollback plan checked.", "No rollback plan needed.");
    await writeFile(tampered, lines.join("\n"));
    const out = path.join(scratch.dir, "tampered.pdf");
    const result = await stagegateAs("admin", [
      "audit",
      "report",
      "release",
      names.release,
      "-n",
      names.namespace,
      tampered,
      "--format",
      "pdf",
      "-o",
      out,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /CHAIN BROKEN/);
    const text = await pdfText(out);
    assert.match(text, /CHAIN BROKEN: the audit trail .*tampered\.jsonl did not verify/);
    assert.match(text, new RegExp(`is broken at line ${i + 1} \\(entry ${i + 1}\\)`));
    assert.match(text, /\[not vouched for by the chain\]/);
  });

  it("says the chain is broken when entries were cut from the end after a checkpoint (the chain alone would verify)", async () => {
    const cut = path.join(scratch.dir, "cut.jsonl");
    const lines = (await readFile(trail, "utf8")).split("\n").filter((l) => l !== "");
    await writeFile(cut, `${lines.slice(0, 25).join("\n")}\n`);
    const out = path.join(scratch.dir, "cut.html");
    const result = await stagegateAs("admin", [
      "audit",
      "report",
      "release",
      names.release,
      "-n",
      names.namespace,
      cut,
      ...signed(),
      "-o",
      out,
    ]);
    assert.equal(result.code, 1, result.stderr);
    const html = await readFile(out, "utf8");
    assert.match(html, /CHAIN BROKEN/);
    assert.match(html, /EntriesRemoved/);
  });

  it("takes the period's scope from the Environments the cluster marks regulated", async () => {
    const p = `rep-${randomBytes(3).toString("hex")}`;
    const environments = [
      { name: `${p}-prod`, regulated: true },
      { name: `${p}-staging`, regulated: false },
    ];
    for (const { name, regulated } of environments) {
      await admin.create(resources.environment, {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Environment",
        metadata: { name },
        spec: { regulated },
      });
    }
    try {
      // The story again, in this test's own environments.
      const renamed = releaseStory(names).map(
        (e) =>
          JSON.parse(
            JSON.stringify(e).replaceAll('"prod"', `"${p}-prod"`).replaceAll('"staging"', `"${p}-staging"`),
          ) as AuditEvent,
      );
      const file = path.join(scratch.dir, "regulated.jsonl");
      await writeStory(file, renamed);
      const out = path.join(scratch.dir, "regulated.html");
      const result = await stagegateAs("admin", [
        "audit",
        "report",
        "period",
        "--since",
        "2026-12-06T00:00:00Z",
        "--until",
        "2026-12-07T00:00:00Z",
        "--regulated-only",
        file,
        "-o",
        out,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const html = await readFile(out, "utf8");
      assert.match(html, new RegExp(`Scope: [^<]*\\b${p}-prod\\b`));
      assert.ok(!html.includes(`Scope: ${p}-staging`) && !new RegExp(`Scope: [^<]*${p}-staging`).test(html));
      assert.match(html, /2 \(1 promotions, 1 rollbacks\)/);
    } finally {
      for (const { name } of environments) await deleteIgnoringMissing(admin, resources.environment, name);
    }
  });
});
