// `stagegate audit report` on bad input, over a real trail written by AuditTrail: every refusal names the flag (or
// the template's file and line) and exits 2 before anything is written, and no read path changes the trail.
import assert from "node:assert/strict";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_TEMPLATES_DIR } from "../../../src/audit/reports/templates.js";
import { runCli } from "../../../src/cli/main.js";
import type { CliIo } from "../../../src/cli/verb.js";
import { releaseStory, storyNames } from "../../support/report-story.js";
import { fileDigest, writeStory } from "../../support/report-trail.js";

async function cli(argv: string[]) {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    connect: () => Promise.reject(new Error("this test has no cluster")),
    now: () => new Date("2026-12-08T08:00:00Z"),
  } satisfies CliIo & { out: string; err: string };
  const args = argv.map((arg) => (arg === TRAIL ? trail : arg));
  const code = await runCli(args, { HOME: "/home/ann" }, io, []);
  return { code, out: io.out, err: io.err };
}

const names = storyNames("payments");
let dir = "";
let trail = "";
let digest = "";

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "stagegate-report-cli-"));
  trail = path.join(dir, "audit-0.jsonl");
  await writeStory(trail, releaseStory(names));
  digest = await fileDigest(trail);
});
after(async () => {
  assert.equal(await fileDigest(trail), digest, "a report changed the trail");
  await rm(dir, { recursive: true, force: true });
});

/** Stands for the trail's path in argv written before the trail exists; {@link cli} puts the path in. */
const TRAIL = "<trail>";
const release = (...extra: string[]) => [
  "audit",
  "report",
  "release",
  names.release,
  "-n",
  "payments",
  TRAIL,
  ...extra,
];
const period = (...extra: string[]) => ["audit", "report", "period", TRAIL, ...extra];
const missing = async (file: string) =>
  access(file).then(
    () => false,
    () => true,
  );

describe("stagegate audit report on bad input", () => {
  it("writes an HTML report and exits 0 over an intact trail", async () => {
    const out = path.join(dir, "ok.html");
    const { code, err } = await cli(release("-o", out));
    assert.equal(code, 0, err);
    assert.match(await readFile(out, "utf8"), /<h1>Release payments\/shop-1-4-0<\/h1>/);
  });

  const refusals: [string, string[], RegExp][] = [
    [
      "an unknown format",
      release("--format", "docx", "-o", path.join(tmpdir(), "x")),
      /--format must be html or pdf/,
    ],
    ["no output file", release(), /--output \(-o\) must name the file to write/],
    [
      "no namespace",
      ["audit", "report", "release", "shop", TRAIL, "-o", "x.html"],
      /name the Release's namespace with -n/,
    ],
    [
      "a bad release name",
      ["audit", "report", "release", "Shop!", "-n", "payments", TRAIL, "-o", "x"],
      /NAME must be a Release name/,
    ],
    [
      "no trail",
      ["audit", "report", "release", "shop", "-n", "payments", "-o", "x"],
      /name the trails to report on/,
    ],
    [
      "a bad --since",
      period("--since", "last tuesday", "--until", "2026-12-07T00:00:00Z", "-o", "x"),
      /--since must be an RFC 3339 time/,
    ],
    ["no --until", period("--since", "2026-12-06T00:00:00Z", "-o", "x"), /--until is required/],
    [
      "--since after --until",
      period("--since", "2026-12-07T00:00:00Z", "--until", "2026-12-06T00:00:00Z", "-o", "x"),
      /--since must be before --until/,
    ],
    [
      "a bad environment",
      period(
        "--since",
        "2026-12-06T00:00:00Z",
        "--until",
        "2026-12-07T00:00:00Z",
        "--environment",
        "Prod;rm",
        "-o",
        "x",
      ),
      /--environment must list Environment names/,
    ],
    [
      "--writer without --public-key",
      release("--writer", "stagegate-0", "-o", "x"),
      /--writer and --checkpoint-namespace need --public-key/,
    ],
    [
      "the output over the trail read",
      release("-o", TRAIL),
      /--output .*audit-0\.jsonl is one of the trails read: a report never writes over the record/,
    ],
    [
      "one --writer too many",
      release("--public-key", "k.pub", "--writer", "stagegate-0,stagegate-1", "-o", "x"),
      /--writer names 2 writers for 1 files: give one pod name per FILE, in order/,
    ],
    [
      "two scopes at once",
      period(
        "--since",
        "2026-12-06T00:00:00Z",
        "--until",
        "2026-12-07T00:00:00Z",
        "--environment",
        "prod",
        "--regulated-only",
        "-o",
        "x",
      ),
      /--environment and --regulated-only both set the scope/,
    ],
    [
      "--chromium without pdf",
      release("--chromium", "/usr/bin/chromium", "-o", "x"),
      /--chromium is only used with --format pdf/,
    ],
  ];
  for (const [what, argv, message] of refusals) {
    it(`refuses ${what}, naming the flag`, async () => {
      const { code, err } = await cli(argv);
      assert.equal(code, 2, err);
      assert.match(err, message);
    });
  }

  it("names the --chromium flag when the browser is missing, and writes nothing", async () => {
    const out = path.join(dir, "none.pdf");
    const { code, err } = await cli(
      release("--format", "pdf", "--chromium", path.join(dir, "no-chromium"), "-o", out),
    );
    assert.equal(code, 2, err);
    assert.match(err, /--chromium .*no-chromium: no executable browser there\. Install Debian's chromium/);
    assert.ok(await missing(out));
  });

  it("names the template's file and line when it does not parse, and writes nothing", async () => {
    const template = path.join(dir, "broken.html.hbs");
    await writeFile(
      template,
      "<h1>{{title}}</h1>\n<ul>\n{{#each deployments}}\n<li>{{environment}}</li>\n{{/each\n</ul>\n",
    );
    const out = path.join(dir, "broken.html");
    const { code, err } = await cli(release("--template", template, "-o", out));
    assert.equal(code, 2, err);
    assert.match(
      err,
      new RegExp(`--template: template ${template.replaceAll(".", "\\.")}, line 5: it does not parse`),
    );
    assert.ok(await missing(out));
  });

  it("names the template's file and line when it asks for what a report does not have", async () => {
    const template = path.join(dir, "misspelt.html.hbs");
    await writeFile(template, "<h1>{{title}}</h1>\n\n<p>{{chain.headlin}}</p>\n");
    const { code, err } = await cli(release("--template", template, "-o", path.join(dir, "misspelt.html")));
    assert.equal(code, 2, err);
    assert.match(err, /misspelt\.html\.hbs, line 3: it does not render: "headlin" not defined/);
  });

  it("renders a user's copy of a default template, changed", async () => {
    const copies = path.join(dir, "copies");
    const written = await cli(["audit", "report", "templates", "--write", copies]);
    assert.equal(written.code, 0, written.err);
    assert.deepEqual(written.out.trim().split("\n"), [
      path.join(copies, "release.html.hbs"),
      path.join(copies, "period.html.hbs"),
    ]);
    const template = path.join(copies, "release.html.hbs");
    await writeFile(
      template,
      (await readFile(template, "utf8")).replace("<h2>Deployments</h2>", "<h2>Rollouts of ACME</h2>"),
    );
    const again = await cli(["audit", "report", "templates", "--write", copies]);
    assert.equal(again.code, 1);
    assert.match(again.err, /release\.html\.hbs exists: left as it is/);
    const out = path.join(dir, "custom.html");
    const { code, err } = await cli(release("--template", template, "-o", out));
    assert.equal(code, 0, err);
    assert.match(await readFile(out, "utf8"), /<h2>Rollouts of ACME<\/h2>/);
  });

  it("lists where the default templates are", async () => {
    const { code, out } = await cli(["audit", "report", "templates"]);
    assert.equal(code, 0);
    assert.equal(out, `${DEFAULT_TEMPLATES_DIR}release.html.hbs\n${DEFAULT_TEMPLATES_DIR}period.html.hbs\n`);
  });
});
