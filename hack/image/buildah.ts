import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { runCommand } from "./command.js";
import {
  IMAGE_CMD,
  IMAGE_ENTRYPOINT,
  IMAGE_ENV,
  IMAGE_USER,
  IMAGE_WORKDIR,
  imageLabels,
  type ImageMetadata,
} from "./image-config.js";

/** One image commit with buildah: a working container from scratch, filled by `assemble`, committed to an archive. */
export interface BuildahCommit {
  /** buildah's storage (vfs driver, so no overlay mounts or fuse), kept in the user cache. */
  readonly storageDir: string;
  readonly meta: ImageMetadata;
  /** Seconds since the epoch for the image's created time and every file's mtime in the layer. */
  readonly epoch: number;
  /** The OCI archive to write. */
  readonly archive: string;
  /** Its `org.opencontainers.image.ref.name`. */
  readonly reference: string;
  /** Fills the working container's empty root directory. */
  readonly assemble: (root: string) => Promise<void>;
  readonly log: (line: string) => void;
}

/**
 * Writes the image as an OCI archive with buildah, without running anything in a container (no `buildah run`, so no
 * runtime, network or registry): `from scratch`, `mount`, fill the root, `config` with the image's entrypoint, user,
 * working directory, environment and labels, then `commit` as one gzip layer with fixed timestamps. The working
 * container is removed whatever happens.
 */
export async function buildahCommit(options: BuildahCommit): Promise<void> {
  const storage = [
    "--root",
    join(options.storageDir, "storage"),
    "--runroot",
    join(options.storageDir, "run"),
    "--storage-driver",
    "vfs",
  ];
  const buildah = async (args: readonly string[]): Promise<string> =>
    (await runCommand("buildah", [...storage, ...args])).stdout.trim();
  const name = `stagegate-image-${randomBytes(4).toString("hex")}`;
  await buildah(["from", "--name", name, "--quiet", "scratch"]);
  try {
    const root = await buildah(["mount", name]);
    await options.assemble(root);
    await buildah(["umount", name]);
    await buildah([
      "config",
      "--entrypoint",
      JSON.stringify(IMAGE_ENTRYPOINT),
      "--cmd",
      JSON.stringify(IMAGE_CMD),
      "--user",
      IMAGE_USER,
      "--workingdir",
      IMAGE_WORKDIR,
      ...IMAGE_ENV.flatMap((env) => ["--env", env]),
      ...Object.entries(imageLabels(options.meta)).flatMap(([key, value]) => ["--label", `${key}=${value}`]),
      "--created-by",
      "make image (hack/build-image.ts, hack/image/assemble-rootfs.sh)",
      name,
    ]);
    options.log(`Committing ${options.reference} to ${options.archive}.`);
    await buildah([
      "commit",
      "--quiet",
      "--format",
      "oci",
      "--disable-compression=false",
      "--timestamp",
      String(options.epoch),
      name,
      `oci-archive:${options.archive}:${options.reference}`,
    ]);
  } finally {
    // A failed removal leaves only a stopped working container in the cache; say so rather than fail the build.
    await buildah(["rm", name]).catch((err: unknown) =>
      options.log(`Could not remove buildah working container ${name}: ${(err as Error).message}`),
    );
  }
}
