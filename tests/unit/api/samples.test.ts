import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { ALL_KINDS, findKind } from "../../../src/api/v1alpha1/kinds.js";

const samplesDir = fileURLToPath(new URL("../../../config/samples/", import.meta.url));

interface Sample {
  file: string;
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: unknown;
}

function readSamples(): Sample[] {
  return readdirSync(samplesDir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(`${samplesDir}${file}`, "utf8")).map((document) => ({
        file,
        ...(document.toJS() as Omit<Sample, "file">),
      })),
    );
}

describe("config/samples", () => {
  const samples = readSamples();

  // Approvals are opened by the operator for each ChangeRequest and filled in by approvers; nobody applies one.
  const OPERATOR_CREATED = new Set(["Approval"]);

  it("has at least one sample of every kind people write", () => {
    for (const definition of ALL_KINDS.filter((kind) => !OPERATOR_CREATED.has(kind.kind))) {
      assert.ok(
        samples.some((sample) => sample.kind === definition.kind),
        `no sample of kind ${definition.kind}`,
      );
    }
  });

  for (const sample of samples) {
    it(`${sample.file}: ${String(sample.kind)} ${String(sample.metadata?.name)} parses with its kind's schema`, () => {
      assert.equal(sample.apiVersion, API_VERSION);
      const definition = findKind(String(sample.kind));
      assert.ok(definition, `unknown kind ${String(sample.kind)}`);
      assert.equal(typeof sample.metadata?.name, "string");
      const parsed = definition.spec.safeParse(sample.spec);
      assert.ok(parsed.success, parsed.success ? "" : parsed.error.message);
    });
  }

  it("chains dev, test, staging and prod, with only prod regulated", () => {
    const environments = samples.filter((sample) => sample.kind === "Environment");
    const chain = environments.map((sample) => {
      const spec = sample.spec as { promotesFrom?: string[]; regulated?: boolean };
      return [sample.metadata?.name, spec.promotesFrom ?? [], spec.regulated ?? false];
    });
    assert.deepEqual(chain, [
      ["dev", [], false],
      ["test", ["dev"], false],
      ["staging", ["test"], false],
      ["prod", ["staging"], true],
    ]);
  });

  it("has deployment tasks whose dependencies name other sample tasks", () => {
    const tasks = samples.filter((sample) => sample.kind === "DeploymentTask");
    const names = new Set(tasks.map((sample) => sample.metadata?.name));
    const edges = tasks.flatMap((sample) => (sample.spec as { dependsOn?: string[] }).dependsOn ?? []);
    assert.ok(tasks.length >= 3 && edges.length >= 2, "expected a small graph of tasks");
    for (const edge of edges) assert.ok(names.has(edge), `dependsOn names a missing task: ${edge}`);
    const dueInMinutes = (sample: Sample): boolean =>
      /^\d+m$/.test((sample.spec as { sla?: string }).sla ?? "");
    assert.ok(
      tasks.some(dueInMinutes),
      "expected a task with an SLA of minutes, so the demo shows it overdue",
    );
  });
});
