import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildCustomResourceDefinition } from "../../../src/api/v1alpha1/crd/custom-resource-definition.js";
import { GENERATED_HEADER, renderCrdFiles } from "../../../src/api/v1alpha1/crd/render-crd-files.js";
import { findUndocumentedFields } from "../../../src/api/v1alpha1/crd/require-descriptions.js";
import { CATEGORY, GROUP, VERSION } from "../../../src/api/v1alpha1/group.js";
import { ALL_KINDS } from "../../../src/api/v1alpha1/kinds.js";

const crdDir = fileURLToPath(new URL("../../../crds/", import.meta.url));

describe("committed CRDs", () => {
  const generated = renderCrdFiles(ALL_KINDS);

  it("are exactly the files the generator writes, one per kind", () => {
    // kustomization.yaml lists these files for config/default (hack/generate-chart.ts; tests/install checks it).
    const committed = readdirSync(crdDir)
      .filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml")
      .sort();
    const expected = generated.map((file) => file.fileName).sort();
    assert.deepEqual(
      committed,
      expected,
      "crds/ does not match the kinds in src/api/v1alpha1: run make generate",
    );
  });

  for (const file of generated) {
    it(`crds/${file.fileName} is up to date`, () => {
      const committed = readFileSync(`${crdDir}${file.fileName}`, "utf8");
      assert.ok(committed === file.content, `crds/${file.fileName} is stale: run make generate`);
    });
  }

  it("are deterministic and say they are generated", () => {
    assert.deepEqual(renderCrdFiles(ALL_KINDS), generated);
    for (const file of generated) assert.ok(file.content.startsWith(GENERATED_HEADER));
  });
});

describe("the generated CustomResourceDefinitions", () => {
  it("cover the kinds in reading order", () => {
    assert.deepEqual(
      ALL_KINDS.map((definition) => definition.kind),
      [
        "Environment",
        "Release",
        "DeploymentTask",
        "ChangeRequest",
        "Approval",
        "NotificationRoute",
        "WorkflowTemplate",
        "AddressBook",
        "TeamRoleBinding",
      ],
    );
  });

  for (const definition of ALL_KINDS) {
    const crd = buildCustomResourceDefinition(definition);
    const [version] = crd.spec.versions;
    const root = version?.schema.openAPIV3Schema;

    it(`${definition.kind}: one served, stored ${VERSION} with status, names, category and printer columns`, () => {
      assert.equal(crd.metadata.name, `${definition.plural}.${GROUP}`);
      assert.equal(crd.spec.group, GROUP);
      assert.deepEqual(crd.spec.names.categories, [CATEGORY]);
      assert.equal(crd.spec.names.shortNames.length, 2);
      assert.equal(crd.spec.versions.length, 1);
      assert.equal(version?.name, VERSION);
      assert.equal(version?.served, true);
      assert.equal(version?.storage, true);
      assert.deepEqual(version?.subresources, { status: {} });
      assert.equal(version?.additionalPrinterColumns.at(-1)?.name, "Age");
    });

    it(`${definition.kind}: a structural root with spec required and every field documented`, () => {
      assert.equal(root?.type, "object");
      assert.deepEqual(root?.required, ["spec"]);
      assert.deepEqual(root?.properties?.metadata, { type: "object" });
      const { metadata: _metadata, ...documented } = root?.properties ?? {};
      assert.deepEqual(findUndocumentedFields({ properties: documented }, ""), []);
      assert.deepEqual(root?.["x-kubernetes-validations"], definition.validations);
      assert.ok(root?.properties?.status?.properties?.observedGeneration);
      assert.ok(root?.properties?.status?.properties?.conditions);
    });

    it(`${definition.kind}: no references, junctors or additionalProperties: false anywhere`, () => {
      const forbidden = ["$ref", "$defs", "definitions", "anyOf", "oneOf", "allOf", "not"];
      const found: string[] = [];
      JSON.stringify(root, (key: string, value: unknown) => {
        if (forbidden.includes(key) || (key === "additionalProperties" && value === false)) found.push(key);
        return value;
      });
      assert.deepEqual(found, []);
    });
  }
});
