import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { AuditTrail } from "../../../src/audit/trail.js";
import { runCli } from "../../../src/cli/main.js";
import { formatTable } from "../../../src/cli/output.js";
import type { CliIo } from "../../../src/cli/verb.js";

/** An io that records output and refuses to reach a cluster, so a test proves a verb never tried. */
function recordingIo(): CliIo & { out: string; err: string; connects: number } {
  const io = {
    out: "",
    err: "",
    connects: 0,
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    connect: () => {
      io.connects += 1;
      return Promise.reject(new Error("this test has no cluster"));
    },
    now: () => new Date("2026-12-08T08:00:00Z"),
  };
  return io;
}

async function cli(argv: string[]) {
  const io = recordingIo();
  const code = await runCli(argv, { HOME: "/home/ann" }, io, [{ name: "run", summary: "Run the operator" }]);
  return { code, out: io.out, err: io.err, connects: io.connects };
}

describe("the stagegate dispatcher", () => {
  it("lists every verb with its summary for help, no arguments and --help", async () => {
    for (const argv of [["help"], [], ["--help"]]) {
      const { code, out } = await cli(argv);
      assert.equal(code, 0);
      for (const verb of ["run", "whoami", "changes", "approve", "reject", "defer", "audit verify", "help"]) {
        assert.match(out, new RegExp(`^  ${verb} +\\S`, "m"), `help lists ${verb}`);
      }
    }
  });

  it("prints one verb's usage for help VERB and VERB --help", async () => {
    for (const argv of [
      ["help", "defer"],
      ["defer", "--help"],
      ["defer", "pay", "-h"],
    ]) {
      const { code, out } = await cli(argv);
      assert.equal(code, 0);
      assert.match(out, /^Usage: stagegate defer CHANGE \(--revisit-in DURATION \| --revisit-at TIME\)/);
    }
  });

  const usageRows: [string, string[], RegExp][] = [
    [
      "an unknown verb",
      ["aprove", "pay"],
      /^stagegate: unknown command "aprove"\.\n\nUsage: stagegate <command>/,
    ],
    [
      "a verb family without its verb",
      ["audit", "check"],
      /"audit check" is not a command; did you mean "audit verify", "audit export", "audit report release", "audit report period", "audit report templates", "audit archive list", "audit archive get", "audit hold", "audit purge", "audit setup-database"\?/,
    ],
    ["help for no verb", ["help", "frob"], /no help for "frob"/],
    [
      "an unknown flag, with the verb's usage",
      ["approve", "pay", "--force"],
      /unknown flag --force[^]*\nUsage: stagegate approve CHANGE/,
    ],
    [
      "a bad value, with a pointer to --help",
      ["defer", "pay", "--revisit-in", "soon"],
      /--revisit-in must be a duration[^]*Run "stagegate defer --help" for usage\./,
    ],
  ];
  for (const [name, argv, message] of usageRows) {
    it(`exits 2 for ${name}`, async () => {
      const { code, err, connects } = await cli(argv);
      assert.equal(code, 2);
      assert.match(err, message);
      assert.equal(connects, 0, "a usage error never reaches the cluster");
    });
  }

  it("refuses a --revisit-at in the past before connecting", async () => {
    const { code, err, connects } = await cli(["defer", "pay", "--revisit-at", "2026-12-01T00:00:00Z"]);
    assert.equal(code, 2);
    assert.match(err, /--revisit-at 2026-12-01T00:00:00Z is not in the future/);
    assert.equal(connects, 0);
  });
});

describe("stagegate audit verify", () => {
  async function trail(): Promise<string> {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "stagegate-cli-audit-")), "audit.jsonl");
    const writer = await AuditTrail.open({ path: file, clock: () => new Date("2026-12-08T08:00:00Z") });
    for (const comment of ["first", "second", "third"]) {
      await writer.record({
        actor: "alice",
        action: "DecisionRecorded",
        object: { kind: "Approval", namespace: "payments", name: "pay-prod" },
        details: { decision: "Approve", comment },
      });
    }
    await writer.close();
    return file;
  }

  it("exits 0 and says the trail is intact", async () => {
    const file = await trail();
    const { code, out } = await cli(["audit", "verify", file]);
    assert.equal(code, 0);
    assert.equal(out, `audit trail ${file} is intact: 3 entries, chain verified.\n`);
  });

  it("exits 1 and names the first entry edited", async () => {
    const file = await trail();
    await writeFile(file, (await readFile(file, "utf8")).replace('"second"', '"rewritten"'));
    const { code, out } = await cli(["audit", "verify", file]);
    assert.equal(code, 1);
    assert.match(out, new RegExp(`^audit trail ${file} is broken at line 2 \\(entry 2\\): `));
  });

  it("reports the break as JSON with -o json", async () => {
    const file = await trail();
    const lines = (await readFile(file, "utf8")).split("\n");
    await writeFile(file, [lines[0], lines[2], ""].join("\n"));
    const { code, out } = await cli(["audit", "verify", file, "-o", "json"]);
    assert.equal(code, 1);
    const result = JSON.parse(out) as { ok: boolean; entries: number; firstBad: { line: number } };
    assert.deepEqual([result.ok, result.entries, result.firstBad.line], [false, 1, 2]);
  });

  it("exits 2 when the file cannot be read", async () => {
    const { code, err } = await cli(["audit", "verify", "/nonexistent/audit.jsonl"]);
    assert.equal(code, 2);
    assert.match(err, /^stagegate audit verify: cannot read \/nonexistent\/audit\.jsonl: .*ENOENT/);
  });
});

describe("text tables", () => {
  it("pads columns to the widest cell, kubectl style, without trailing blanks", () => {
    const table = formatTable(
      ["NAME", "RISK"],
      [
        ["pay-prod", "high"],
        ["a", "-"],
      ],
    );
    assert.equal(table, "NAME       RISK\npay-prod   high\na          -\n");
  });
});
