import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { z } from "zod";
import { runCommand } from "./command.js";
import { ImageError } from "./errors.js";

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const CONFIG = "application/vnd.oci.image.config.v1+json";
const GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

const descriptor = z.object({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const indexSchema = z.object({ schemaVersion: z.literal(2), manifests: z.array(descriptor).min(1) });
const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MANIFEST).optional(),
  config: descriptor.extend({ mediaType: z.literal(CONFIG) }),
  layers: z.array(descriptor).min(1),
});
/** The parts of an OCI image config (image-spec config.md) that say how a container of it runs. */
export const imageConfigSchema = z.object({
  created: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  config: z.object({
    User: z.string().optional(),
    Env: z.array(z.string()).optional(),
    Entrypoint: z.array(z.string()).optional(),
    Cmd: z.array(z.string()).optional(),
    WorkingDir: z.string().optional(),
    Labels: z.record(z.string(), z.string()).optional(),
  }),
  rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(z.string()) }),
  history: z.array(z.record(z.string(), z.unknown())).optional(),
});
/** An image config as {@link imageConfigSchema} reads it. */
export type OciImageConfig = z.infer<typeof imageConfigSchema>;

/** One layer blob: compressed as stored, and as the tar a runtime unpacks. */
export interface OciLayer {
  readonly digest: string;
  readonly mediaType: string;
  /** Bytes of the gzip blob. */
  readonly size: number;
  /** Bytes of the tar inside it (what the layer takes once unpacked, headers included). */
  readonly uncompressedSize: number;
  readonly path: string;
}

/** An OCI image layout (image-spec image-layout.md) read and checked: every digest and size matches its blob. */
export interface OciImage {
  readonly dir: string;
  /** The index entry's `org.opencontainers.image.ref.name`. */
  readonly reference: string | undefined;
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly config: OciImageConfig;
  readonly layers: readonly OciLayer[];
}

function blobPath(dir: string, digest: string): string {
  return join(dir, "blobs", "sha256", digest.slice("sha256:".length));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest("hex")}`;
}

/** Reads a blob named by a descriptor, failing unless its size and sha256 are the descriptor's. */
async function checkedBlob(dir: string, d: z.infer<typeof descriptor>): Promise<string> {
  const path = blobPath(dir, d.digest);
  const size = (await stat(path).catch(() => undefined))?.size;
  if (size !== d.size)
    throw new ImageError(`Blob ${d.digest} is ${size ?? "missing"} bytes; its descriptor says ${d.size}.`);
  const actual = await sha256File(path);
  if (actual !== d.digest) throw new ImageError(`Blob ${d.digest} has digest ${actual}.`);
  return path;
}

/** Decompresses a gzip layer, returning the digest (the config's diff_id) and size of the tar inside. */
async function uncompressedDigest(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const gunzip = createGunzip();
  gunzip.on("data", (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  await pipeline(createReadStream(path), gunzip);
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new ImageError(`${what} is not what the OCI image spec describes: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Reads the single image of an OCI image layout directory and checks it as a registry or runtime would: the layout
 * version, every blob's size and sha256 against its descriptor, gzip layers whose tar digests are the config's
 * diff_ids.
 */
export async function readOciLayout(dir: string): Promise<OciImage> {
  const layout = JSON.parse(await readFile(join(dir, "oci-layout"), "utf8")) as {
    imageLayoutVersion?: unknown;
  };
  if (layout.imageLayoutVersion !== "1.0.0") throw new ImageError(`${dir}/oci-layout is not version 1.0.0.`);
  const index = parseJson(indexSchema, await readFile(join(dir, "index.json"), "utf8"), "index.json");
  if (index.manifests.length !== 1)
    throw new ImageError(`index.json lists ${index.manifests.length} manifests, not one.`);
  const entry = index.manifests[0]!;
  if (entry.mediaType !== MANIFEST)
    throw new ImageError(`index.json points at a ${entry.mediaType}, not an image manifest.`);
  const manifest = parseJson(
    manifestSchema,
    await readFile(await checkedBlob(dir, entry), "utf8"),
    "The manifest",
  );
  const config = parseJson(
    imageConfigSchema,
    await readFile(await checkedBlob(dir, manifest.config), "utf8"),
    "The image config",
  );
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ImageError(
      `The config names ${config.rootfs.diff_ids.length} diff_ids for ${manifest.layers.length} layers.`,
    );
  }
  const layers: OciLayer[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    if (layer.mediaType !== GZIP_LAYER)
      throw new ImageError(`Layer ${layer.digest} is ${layer.mediaType}, not a gzip tar.`);
    const path = await checkedBlob(dir, layer);
    const inner = await uncompressedDigest(path);
    if (inner.digest !== config.rootfs.diff_ids[i]) {
      throw new ImageError(
        `Layer ${layer.digest} unpacks to ${inner.digest}, not the config's ${config.rootfs.diff_ids[i]}.`,
      );
    }
    layers.push({
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
      uncompressedSize: inner.size,
      path,
    });
  }
  return {
    dir,
    reference: entry.annotations?.["org.opencontainers.image.ref.name"],
    manifestDigest: entry.digest,
    configDigest: manifest.config.digest,
    config,
    layers,
  };
}

/** Extracts an OCI archive (a tar of an image layout, as `oci-archive:` writes) into `dir` and reads it. */
export async function readOciArchive(archive: string, dir: string): Promise<OciImage> {
  await runCommand("tar", ["-xf", archive, "-C", dir]);
  return readOciLayout(dir);
}
