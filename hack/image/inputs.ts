import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { REPO } from "./image-config.js";

/** What the image is built from, besides the Debian packages apt resolves at build time. */
const INPUT_PATHS = [
  "src",
  "templates",
  "config/rbac/operator-role.yaml",
  "config/rbac/webhook-certificate-role.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "hack/image",
  "hack/build-image.ts",
] as const;

/** `path` itself when it is a file, else every file under it. */
async function filesUnder(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => filesUnder(join(path, entry.name))));
  return nested.flat();
}

/**
 * A sha256 over the content of every file the image is built from (sources, lockfile, build config, the image
 * scripts) and the Node version, so a test can reuse an image built from exactly these inputs. Debian package
 * updates do not change it: `make image` always builds afresh.
 */
export async function imageInputsDigest(nodeVersion: string): Promise<string> {
  const files = (await Promise.all(INPUT_PATHS.map((p) => filesUnder(join(REPO, p))))).flat().sort();
  const hash = createHash("sha256").update(`node ${nodeVersion} ${process.arch}\n`);
  for (const file of files) {
    hash.update(`${relative(REPO, file)}\0`);
    hash.update(await readFile(file));
    hash.update("\0");
  }
  return `sha256:${hash.digest("hex")}`;
}
