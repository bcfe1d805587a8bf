/**
 * Writes what the Helm chart and config/default share (run by `make generate`, after hack/generate-crds.ts): the
 * chart's files/ copies of crds/ and config/, the kustomizations of config/, the objects of config/manager
 * rendered from the chart, and the values table of docs/install.md. Stale copies in the
 * chart's files/ are removed. tests/install/generated.test.ts fails when any of them is out of date.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { chartFileCopies, installDoc, kustomizeFiles, type GeneratedFile } from "./chart/generated-files.js";
import { CHART_DIR, REPO } from "./chart/layout.js";
import { resolveHelmBinary } from "./local-cluster/binaries.js";

function write(files: readonly GeneratedFile[]): void {
  for (const { path, content } of files) {
    const abs = join(REPO, path);
    if (existsSync(abs) && readFileSync(abs, "utf8") === content) continue;
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    console.log(`Wrote ${path}`);
  }
}

// The copies first: config/manager is rendered from the chart, which reads them.
const copies = chartFileCopies();
write(copies);
const rest = [...(await kustomizeFiles(await resolveHelmBinary())), installDoc()];
write(rest);
const files = [...copies, ...rest];
const wanted = new Set(files.map((file) => file.path));
const filesDir = join(CHART_DIR, "files");
for (const entry of readdirSync(filesDir, { recursive: true, withFileTypes: true })) {
  const path = relative(REPO, join(entry.parentPath, entry.name));
  if (entry.isFile() && !wanted.has(path)) {
    rmSync(join(REPO, path));
    console.log(`Removed stale ${path}`);
  }
}
