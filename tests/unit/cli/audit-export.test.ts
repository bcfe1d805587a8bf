// `stagegate audit export` over real trail files written by AuditTrail: two replicas' files merged by time, filters,
// CSV, a tampered trail marked unverified (the export still complete), and bad flags naming the flag.
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { runCli } from "../../../src/cli/main.js";
import type { CliIo } from "../../../src/cli/verb.js";

async function cli(argv: string[]) {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    connect: () => Promise.reject(new Error("this test has no cluster")),
    now: () => new Date("2026-12-08T08:00:00Z"),
  } satisfies CliIo & { out: string; err: string };
  const code = await runCli(argv, { HOME: "/home/ann" }, io, [{ name: "run", summary: "Run the operator" }]);
  return { code, out: io.out, err: io.err };
}

const event = (
  action: AuditEvent["action"],
  namespace: string,
  environment: string,
  n: number,
): AuditEvent => ({
  actor: n % 2 === 0 ? "stagegate-operator" : "ci-pipeline",
  action,
  object: { kind: "Release", namespace, name: `shop-${n}` },
  details: { environment, message: `entry ${n}, "quoted", with a comma` },
});

/** A replica's trail whose entries are at the given minutes past 08:00. */
async function trail(dir: string, name: string, minutes: number[], events: AuditEvent[]): Promise<string> {
  const file = path.join(dir, name);
  let i = 0;
  const writer = await AuditTrail.open({
    path: file,
    clock: () => new Date(Date.parse("2026-12-06T08:00:00Z") + (minutes[i++] ?? 0) * 60_000),
  });
  for (const e of events) await writer.record(e);
  await writer.close();
  return file;
}

describe("stagegate audit export", () => {
  let a = "";
  let b = "";
  before(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "stagegate-export-"));
    a = await trail(
      dir,
      "audit-0.jsonl",
      [1, 3, 5],
      [
        event("PipelineEventReceived", "payments", "prod", 1),
        event("ReleasePromoted", "payments", "prod", 3),
        event("ReleasePromoted", "shop", "dev", 5),
      ],
    );
    b = await trail(
      dir,
      "audit-1.jsonl",
      [2, 4],
      [
        event("ChangeApproved", "payments", "prod", 2),
        event("EnvironmentVerified", "payments", "staging", 4),
      ],
    );
  });

  it("merges the replicas' trails into one stream ordered by time, each entry with its source, verified", async () => {
    const { code, out, err } = await cli(["audit", "export", a, b]);
    assert.equal(code, 0, err);
    const lines = out
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as { source: string; verified: boolean; object: { name: string }; action: string },
      );
    assert.deepEqual(
      lines.map((l) => l.object.name),
      ["shop-1", "shop-2", "shop-3", "shop-4", "shop-5"],
    );
    assert.deepEqual(
      lines.map((l) => path.basename(l.source)),
      ["audit-0.jsonl", "audit-1.jsonl", "audit-0.jsonl", "audit-1.jsonl", "audit-0.jsonl"],
    );
    assert.ok(lines.every((l) => l.verified));
    assert.equal(lines[0]?.action, "PipelineEventReceived", "CI/CD events are part of the export");
    assert.match(
      err,
      /audit-0\.jsonl is intact: 3 entries[\s\S]*audit-1\.jsonl is intact: 2 entries[\s\S]*Exported 5 entries from 2 trails/,
    );
  });

  it("filters by time, namespace, environment and action", async () => {
    const names = async (args: string[]) =>
      (await cli(["audit", "export", a, b, ...args])).out
        .trim()
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => (JSON.parse(l) as { object: { name: string } }).object.name);
    assert.deepEqual(await names(["--since", "2026-12-06T08:02:00Z", "--until", "2026-12-06T08:05:00Z"]), [
      "shop-2",
      "shop-3",
      "shop-4",
    ]);
    assert.deepEqual(await names(["-n", "payments", "--environment", "prod"]), [
      "shop-1",
      "shop-2",
      "shop-3",
    ]);
    assert.deepEqual(await names(["--action", "ReleasePromoted,ChangeApproved"]), [
      "shop-2",
      "shop-3",
      "shop-5",
    ]);
  });

  it("writes CSV with a header, quoting what needs it", async () => {
    const { code, out } = await cli(["audit", "export", a, "--format", "csv", "--action", "ReleasePromoted"]);
    assert.equal(code, 0);
    const rows = out.split("\r\n");
    assert.equal(
      rows[0],
      "source,seq,time,actor,action,kind,namespace,name,environment,verified,hash,details",
    );
    assert.match(
      rows[1] ?? "",
      /,2,2026-12-06T08:03:00\.000Z,ci-pipeline,ReleasePromoted,Release,payments,shop-3,prod,true,[0-9a-f]{64},"\{""environment"":""prod"",""message"":""entry 3, \\""quoted\\"", with a comma""\}"$/,
    );
    assert.equal(rows.length, 4, "header, two rows and the final line break");
  });

  it("marks the entries of a tampered trail unverified from the first bad one, exports them all, and exits 1", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "stagegate-export-bad-"));
    const bad = path.join(dir, "audit.jsonl");
    await writeFile(bad, (await readFile(a, "utf8")).replace("entry 3", "entry three"));
    const { code, out, err } = await cli(["audit", "export", bad]);
    assert.equal(code, 1);
    const verified = out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { verified: boolean }).verified);
    assert.deepEqual(verified, [true, false, false]);
    assert.match(err, /is broken at line 2 \(entry 2\)/);
  });

  it("refuses bad flags, naming the flag and the fix", async () => {
    const rows: [string[], RegExp][] = [
      [[], /name the trails to export: audit files, --database-url, or both/],
      [[a, "--since", "yesterday"], /--since must be an RFC 3339 time such as 2026-10-01T00:00:00Z/],
      [
        [a, "--since", "2026-12-07T00:00:00Z", "--until", "2026-12-06T00:00:00Z"],
        /--since must be before --until/,
      ],
      [[a, "--format", "xml"], /--format must be jsonl or csv/],
      [[a, "--action", "promoted"], /--action must list actions such as ReleasePromoted/],
    ];
    for (const [args, message] of rows) {
      const { code, err } = await cli(["audit", "export", ...args]);
      assert.equal(code, 2, args.join(" "));
      assert.match(err, message);
    }
  });

  it("exits 2 when a trail cannot be read", async () => {
    const { code, err } = await cli(["audit", "export", "/nonexistent/audit.jsonl"]);
    assert.equal(code, 2);
    assert.match(err, /cannot read a trail: .*ENOENT/);
  });
});
