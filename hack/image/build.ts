import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { stageApp } from "./app-stage.js";
import { buildahCommit } from "./buildah.js";
import { runCommand } from "./command.js";
import { ensureImageTools } from "./debian-tools.js";
import { ImageError } from "./errors.js";
import { imageReference, packageMetadata, REPO, type ImageMetadata } from "./image-config.js";
import { imageInputsDigest } from "./inputs.js";
import { readOciArchive } from "./oci-layout.js";
import { projectNode } from "./project-node.js";

/** Where `make image` writes the image (gitignored, under dist/). */
export const IMAGE_ARCHIVE = join(REPO, "dist", "image", "stagegate.oci.tar");
/** What the last build was made from and measured at, beside the archive. */
export const IMAGE_RECORD = join(REPO, "dist", "image", "stagegate.oci.json");
/** The assembly script the Dockerfile runs too. */
export const ASSEMBLE_ROOTFS = join(import.meta.dirname, "assemble-rootfs.sh");

/** A built image: where it is, what it was made from, and how big it is. */
export interface ImageRecord {
  readonly reference: string;
  readonly archive: string;
  /** {@link imageInputsDigest} of the sources it was built from. */
  readonly inputs: string;
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly node: string;
  /** `package version` of every Debian package whose files it carries. */
  readonly debianPackages: readonly string[];
  readonly revision: string;
  readonly sizes: {
    /** The OCI archive file. */
    readonly archiveBytes: number;
    /** The gzip layer, as pushed to and pulled from a registry. */
    readonly compressedBytes: number;
    /** The layer's tar once decompressed: what the image takes on a node. */
    readonly unpackedBytes: number;
  };
  readonly builtAt: string;
  readonly buildSeconds: number;
}

/** The user cache (`STAGEGATE_CACHE`, else `$XDG_CACHE_HOME/stagegate`, else `~/.cache/stagegate`), as hack/*.sh use. */
export function imageCacheDir(): string {
  const root =
    process.env.STAGEGATE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "stagegate");
  return join(root, "image");
}

/** The commit being built and its time (for labels and reproducible timestamps); a tree without git gets "unknown". */
async function gitRevision(): Promise<{ revision: string; epoch: number }> {
  try {
    const out = await runCommand("git", ["-C", REPO, "show", "-s", "--format=%H %ct", "HEAD"]);
    const [revision = "unknown", epoch = "0"] = out.stdout.trim().split(" ");
    return { revision, epoch: Number(epoch) };
  } catch {
    return { revision: "unknown", epoch: Math.floor(Date.now() / 1000) };
  }
}

/** `package version` from the control stanzas assemble-rootfs.sh leaves in /var/lib/dpkg/status.d. */
async function debianPackages(statusDir: string): Promise<string[]> {
  const names = (await readdir(statusDir)).sort();
  return Promise.all(
    names.map(async (name) => {
      const stanza = await readFile(join(statusDir, name), "utf8");
      return `${name} ${/^Version: (.+)$/m.exec(stanza)?.[1] ?? "?"}`;
    }),
  );
}

/**
 * Builds the image on this machine without a container engine or registry: compiles the operator, installs its
 * production dependencies, assembles the root filesystem with hack/image/assemble-rootfs.sh (Debian packages, the
 * project's Node, a non-root user) inside a buildah working container from scratch, and commits it with the config
 * of hack/image/image-config.ts to an OCI archive. Needs root (the assembly chowns and chroots).
 */
export async function buildImage(log: (line: string) => void = console.error): Promise<ImageRecord> {
  const started = Date.now();
  if (process.getuid?.() !== 0) {
    throw new ImageError(
      "Building the image needs root here (file ownership in the root filesystem, chroot for its checks): " +
        "run `sudo make image`, or build the Dockerfile with docker, podman or buildah.",
    );
  }
  await ensureImageTools(["buildah"], log);
  const node = await projectNode();
  const inputs = await imageInputsDigest(node.version);
  const git = await gitRevision();
  const meta: ImageMetadata = {
    ...packageMetadata(),
    revision: git.revision,
    created: new Date(git.epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const cache = imageCacheDir();
  await mkdir(join(cache, "work"), { recursive: true });
  const work = await mkdtemp(join(cache, "work", "build-"));
  try {
    const app = join(work, "app");
    await stageApp(app, cache, log);
    await mkdir(join(REPO, "dist", "image"), { recursive: true });
    const partial = `${IMAGE_ARCHIVE}.partial-${process.pid}`;
    let packages: string[] = [];
    await buildahCommit({
      storageDir: join(cache, "buildah"),
      meta,
      epoch: git.epoch,
      archive: partial,
      reference: imageReference(meta),
      log,
      assemble: async (root) => {
        log("Assembling the root filesystem (hack/image/assemble-rootfs.sh).");
        await runCommand("bash", [ASSEMBLE_ROOTFS, root, app, node.binary], {
          env: {
            ...process.env,
            DEB_CACHE: join(cache, "debs"),
            SOURCE_DATE_EPOCH: String(git.epoch),
            ...(node.license === undefined ? {} : { NODE_LICENSE: node.license }),
          },
          echoStderr: true,
        });
        packages = await debianPackages(join(root, "var", "lib", "dpkg", "status.d"));
      },
    });
    await rename(partial, IMAGE_ARCHIVE);
    const layout = await mkdtemp(join(work, "layout-"));
    const image = await readOciArchive(IMAGE_ARCHIVE, layout);
    const record: ImageRecord = {
      reference: imageReference(meta),
      archive: IMAGE_ARCHIVE,
      inputs,
      manifestDigest: image.manifestDigest,
      configDigest: image.configDigest,
      node: node.version,
      debianPackages: packages,
      revision: meta.revision,
      sizes: {
        archiveBytes: (await stat(IMAGE_ARCHIVE)).size,
        compressedBytes: image.layers.reduce((sum, layer) => sum + layer.size, 0),
        unpackedBytes: image.layers.reduce((sum, layer) => sum + layer.uncompressedSize, 0),
      },
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
    };
    await writeFile(IMAGE_RECORD, `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The record of the last build, if its archive is still there. */
export function lastImageRecord(): ImageRecord | undefined {
  if (!existsSync(IMAGE_RECORD) || !existsSync(IMAGE_ARCHIVE)) return undefined;
  return JSON.parse(readFileSync(IMAGE_RECORD, "utf8")) as ImageRecord;
}

/**
 * The image for the current sources: the last build when it was made from exactly these inputs (tests use it to
 * skip a rebuild), otherwise a new build.
 */
export async function ensureImage(log: (line: string) => void = console.error): Promise<ImageRecord> {
  const last = lastImageRecord();
  if (last !== undefined) {
    const node = await projectNode();
    if (last.inputs === (await imageInputsDigest(node.version))) {
      const size = (await stat(IMAGE_ARCHIVE)).size;
      if (size === last.sizes.archiveBytes) return last;
    }
  }
  return buildImage(log);
}

/** `12.3 MB` (decimal megabytes, as registries and `docker images` report). */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
