import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildPeriodReport } from "../../../../src/audit/reports/period-model.js";
import { buildReleaseReport } from "../../../../src/audit/reports/release-model.js";
import {
  DEFAULT_TEMPLATES,
  DEFAULT_TEMPLATES_DIR,
  loadTemplate,
  TemplateError,
} from "../../../../src/audit/reports/templates.js";
import { HOSTILE, releaseStory, storyNames } from "../../../support/report-story.js";
import { exported, intactProof, START } from "./report-entries.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "stagegate-templates-"));
});
after(() => rm(dir, { recursive: true, force: true }));

async function templateFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const names = storyNames("payments");
const items = exported(releaseStory(names));
const NOW = new Date("2026-12-06T09:00:00Z");
const releaseReport = buildReleaseReport(
  items,
  { namespace: "payments", name: names.release },
  intactProof(1),
  NOW,
);

describe("report templates", () => {
  it("renders the default release template with every section, the record's markup escaped", async () => {
    const page = await loadTemplate(path.join(DEFAULT_TEMPLATES_DIR, DEFAULT_TEMPLATES.release));
    const html = page.render(releaseReport);
    for (const heading of [
      "Deployments",
      "Changes: requests and approvals",
      "Separation of duties",
      "Checks and their evidence",
      "Emergency changes and their reviews",
      "Verification results",
      "Rollbacks",
      "Exceptions",
      "Chain proof",
    ]) {
      assert.ok(html.includes(`<h2>${heading}</h2>`), heading);
    }
    assert.ok(!html.includes(HOSTILE), "the comment's <script> reached the page unescaped");
    assert.ok(!/<script/i.test(html));
    assert.ok(html.includes("CAB reviewed &lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;"));
  });

  it("escapes markup in a name as well as in a comment", async () => {
    const page = await loadTemplate(path.join(DEFAULT_TEMPLATES_DIR, DEFAULT_TEMPLATES.period));
    // An identity provider's user name is outside Stagegate's control: take it as hostile too.
    const hostile = releaseStory(storyNames("payments")).map((e) =>
      e.action === "ChangeApproved"
        ? { ...e, details: { ...e.details, approvers: ["<img src=x onerror=alert(1)>"] } }
        : e,
    );
    const html = page.render(
      buildPeriodReport(
        exported(hostile),
        {
          since: new Date(START),
          until: new Date(START + 1e6),
          environments: undefined,
          namespace: undefined,
        },
        intactProof(1),
        NOW,
      ),
    );
    assert.ok(html.includes("&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"));
    assert.ok(!html.includes("<img"));
  });

  it("names the file and line of a template that does not parse", async () => {
    const file = await templateFile(
      "broken.html.hbs",
      "<h1>{{title}}</h1>\n<p>\n{{#each deployments}}\n{{time}}\n{{/each}\n",
    );
    await assert.rejects(loadTemplate(file), (err: Error) => {
      assert.ok(err instanceof TemplateError);
      assert.match(
        err.message,
        new RegExp(`^template ${file.replaceAll(".", "\\.")}, line 5: it does not parse`),
      );
      return true;
    });
  });

  it("names the line of a block closed with the wrong name", async () => {
    const file = await templateFile("mismatch.html.hbs", "a\nb\n{{#if found}}\n{{/each}}\n");
    await assert.rejects(
      loadTemplate(file),
      /mismatch\.html\.hbs, line 3: it does not parse: if doesn't match each/,
    );
  });

  it("names the line of a value the report does not have (a misspelt name)", async () => {
    const file = await templateFile(
      "misspelt.html.hbs",
      "<h1>{{title}}</h1>\n{{#each deployments}}\n{{enviroment}}\n{{/each}}\n",
    );
    const page = await loadTemplate(file);
    assert.throws(
      () => page.render(releaseReport),
      /misspelt\.html\.hbs, line 3: it does not render: "enviroment" not defined/,
    );
  });

  it("names the line of a helper that does not exist", async () => {
    const file = await templateFile("helper.html.hbs", "x\n\n{{shout title}}\n");
    await assert.rejects(
      loadTemplate(file),
      /helper\.html\.hbs, line 3: it does not compile: .*unknown helper shout/,
    );
  });

  it("refuses a template that would write record content unescaped, naming the line", async () => {
    const file = await templateFile(
      "raw.html.hbs",
      "<h1>{{title}}</h1>\n{{#each timeline}}\n<p>{{{summary}}}</p>\n{{/each}}\n",
    );
    await assert.rejects(loadTemplate(file), /raw\.html\.hbs, line 3: writes a value unescaped/);
    const amp = await templateFile("amp.html.hbs", "{{& title}}\n");
    await assert.rejects(loadTemplate(amp), /amp\.html\.hbs, line 1: writes a value unescaped/);
  });

  it("names a template file that cannot be read", async () => {
    await assert.rejects(
      loadTemplate(path.join(dir, "missing.hbs")),
      /template .*missing\.hbs cannot be read/,
    );
  });
});
