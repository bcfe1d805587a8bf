// One source of truth: the chart's copies of crds/ and config/, config/default's kustomizations and rendered
// objects, and the values table of docs/install.md are what `make generate` would write; the chart renders exactly
// the objects config/default holds; and the Deployment's arguments are flags the operator really parses.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import {
  chartFileCopies,
  installDoc,
  kustomizeFiles,
  type GeneratedFile,
} from "../../hack/chart/generated-files.js";
import { CHART_DIR, CONFIG_DEFAULT_VALUES, REPO } from "../../hack/chart/layout.js";
import {
  objectKey,
  parseObjects,
  renderChart,
  withoutHelmMetadata,
  type KubeObject,
} from "../../hack/chart/render.js";
import { helmBinary, kustomizeBuild } from "../support/install-cluster.js";

function assertOnDisk(files: readonly GeneratedFile[]): void {
  const stale = files.filter(({ path, content }) => {
    const abs = join(REPO, path);
    return !existsSync(abs) || readFileSync(abs, "utf8") !== content;
  });
  assert.deepEqual(
    stale.map((file) => file.path),
    [],
    "these files are not what `make generate` writes: run make generate and commit the result",
  );
}

function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((obj) => [objectKey(obj), withoutHelmMetadata(structuredClone(obj))]));
}

describe("the chart and config/ share one source", () => {
  it("holds in files/ exactly the copies of crds/ and config/ that make generate writes", () => {
    const copies = chartFileCopies();
    assertOnDisk(copies);
    const onDisk = readdirSync(join(CHART_DIR, "files"), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(REPO, join(entry.parentPath, entry.name)))
      .sort();
    assert.deepEqual(onDisk, copies.map((copy) => copy.path).sort(), "no stale copies in the chart's files/");
  });

  it("has the kustomizations, config/manager and the docs' values table make generate writes", async () => {
    assertOnDisk([...(await kustomizeFiles(await helmBinary())), installDoc()]);
  });

  it("renders exactly the objects of config/default, field for field", async () => {
    const chart = byKey(await renderChart(await helmBinary(), { valuesFiles: [CONFIG_DEFAULT_VALUES] }));
    const kustomize = byKey(parseObjects(await kustomizeBuild(join(REPO, "config/default"))));
    // Helm installs into a namespace it is given; config/default creates its own.
    kustomize.delete("Namespace//stagegate-system");
    // CRDs: config/default takes them from crds/; the chart, rendered for config/default, does not install them.
    const crds = [...kustomize.keys()].filter((key) => key.startsWith("CustomResourceDefinition/"));
    assert.equal(crds.length, 9);
    for (const key of crds) kustomize.delete(key);
    assert.deepEqual([...chart.keys()].sort(), [...kustomize.keys()].sort());
    for (const [key, obj] of chart) assert.deepEqual(obj, kustomize.get(key), `${key} differs`);
  });

  it("installs the CRDs of crds/ unchanged but for Helm's labels and keep policy", async () => {
    const rendered = await renderChart(await helmBinary());
    const crds = rendered.filter((obj) => obj.kind === "CustomResourceDefinition");
    const shipped = parseObjects(
      readdirSync(join(REPO, "crds"))
        .filter((name) => name.startsWith("stagegate.io_"))
        .map((name) => readFileSync(join(REPO, "crds", name), "utf8"))
        .join("\n---\n"),
    );
    assert.equal(crds.length, shipped.length);
    for (const crd of crds) {
      assert.equal(crd.metadata.annotations?.["helm.sh/resource-policy"], "keep", crd.metadata.name);
      const source = shipped.find((s) => s.metadata.name === crd.metadata.name);
      assert.deepEqual(withoutHelmMetadata(structuredClone(crd)), source, crd.metadata.name);
    }
  });
});
