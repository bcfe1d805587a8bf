/**
 * Writes `crds/<group>_<plural>.yaml` for every Stagegate kind from the zod schemas (run by `make generate`),
 * and removes CRD files of kinds that no longer exist, so `crds/` always mirrors `src/api/v1alpha1`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrdFiles } from "../src/api/v1alpha1/crd/render-crd-files.js";
import { GROUP } from "../src/api/v1alpha1/group.js";
import { ALL_KINDS } from "../src/api/v1alpha1/kinds.js";

const crdDir = fileURLToPath(new URL("../crds/", import.meta.url));
mkdirSync(crdDir, { recursive: true });

const files = renderCrdFiles(ALL_KINDS);
const wanted = new Set(files.map((file) => file.fileName));
for (const { fileName, content } of files) {
  const path = join(crdDir, fileName);
  if (existsSync(path) && readFileSync(path, "utf8") === content) continue;
  writeFileSync(path, content);
  console.log(`Wrote crds/${fileName}`);
}
for (const fileName of readdirSync(crdDir)) {
  if (fileName.startsWith(`${GROUP}_`) && fileName.endsWith(".yaml") && !wanted.has(fileName)) {
    rmSync(join(crdDir, fileName));
    console.log(`Removed stale crds/${fileName}`);
  }
}
