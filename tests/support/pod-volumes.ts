// The kubelet's part in a pod's volumes: the content each volume would show its containers, written to a directory
// on this machine. Secrets, ConfigMaps, downward API fields and bound ServiceAccount tokens (a TokenRequest for the
// pod, as the kubelet asks) are laid out as the kubelet's atomic writer does (`..data` pointing at a timestamped
// directory, one symbolic link per file); an emptyDir lives as long as the pod; a claim's directory stands for its
// PersistentVolume and outlives the pod.
import { randomBytes } from "node:crypto";
import { mkdir, rename, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { coreResources } from "./core-resources.js";
import { requestToken } from "./service-account-token.js";
import { resolveFieldRef, type KeyToPath, type Pod, type Volume } from "./pod-spec.js";

/** What the kubelet knows when it sets up a pod's volumes. */
export interface VolumeContext {
  /** The kubelet's reads: Secrets, ConfigMaps, tokens (as the node, here as the admin). */
  readonly admin: KubeClient;
  readonly pod: Pod;
  readonly podIP: string;
  /** This pod's directory (its emptyDirs). */
  readonly podDir: string;
  /** Where claims' volumes live, across pods. */
  readonly storageDir: string;
}

/** A file a volume shows: its content and mode. */
interface VolumeFile {
  content: Buffer;
  mode: number;
}

const DEFAULT_MODE = 0o644;

/** Writes `files` into `dir` as the kubelet's atomic writer does, so the layout is what a container sees. */
async function writeAtomically(dir: string, files: ReadonlyMap<string, VolumeFile>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stamp = `..${new Date().toISOString().replace(/[-:.TZ]/g, "_")}${randomBytes(4).toString("hex")}`;
  for (const [file, { content, mode }] of files) {
    const target = path.join(dir, stamp, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content, { mode });
  }
  await mkdir(path.join(dir, stamp), { recursive: true });
  await symlink(stamp, path.join(dir, "..data_tmp"));
  await rename(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
  const topLevel = new Set([...files.keys()].map((file) => file.split("/")[0] ?? file));
  for (const name of topLevel) await symlink(path.join("..data", name), path.join(dir, name));
}

/** The keys of a Secret's or ConfigMap's data as files: all of them, or the listed items. */
function keyFiles(
  data: ReadonlyMap<string, Buffer>,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  what: string,
): Map<string, VolumeFile> {
  const files = new Map<string, VolumeFile>();
  const wanted: readonly KeyToPath[] = items ?? [...data.keys()].map((key) => ({ key, path: key }));
  for (const item of wanted) {
    const content = data.get(item.key);
    if (content === undefined) throw new Error(`${what} has no key ${item.key}.`);
    files.set(item.path, { content, mode: item.mode ?? mode });
  }
  return files;
}

/** A Secret's or ConfigMap's data, decoded; undefined when it does not exist and `optional`. */
async function readData(
  ctx: VolumeContext,
  kind: "secret" | "configMap",
  name: string,
  optional: boolean | undefined,
): Promise<Map<string, Buffer> | undefined> {
  const namespace = ctx.pod.metadata.namespace ?? "";
  try {
    const obj = (await ctx.admin.get(coreResources[kind], name, namespace)) as {
      data?: Record<string, string>;
      binaryData?: Record<string, string>;
    };
    const decoded = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(obj.data ?? {})) {
      decoded.set(k, kind === "secret" ? Buffer.from(v, "base64") : Buffer.from(v, "utf8"));
    }
    for (const [k, v] of Object.entries(obj.binaryData ?? {})) decoded.set(k, Buffer.from(v, "base64"));
    return decoded;
  } catch (err) {
    if (isNotFound(err) && optional === true) return undefined;
    if (isNotFound(err)) {
      throw new Error(
        `The ${kind} ${namespace}/${name} a volume of ${ctx.pod.metadata.name} needs is missing.`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** A token of the pod's ServiceAccount bound to the pod, as the kubelet requests it for a projected volume. */
function boundToken(ctx: VolumeContext, expirationSeconds: number, audience?: string): Promise<string> {
  const { metadata, spec } = ctx.pod;
  return requestToken(ctx.admin, metadata.namespace ?? "", spec.serviceAccountName ?? "default", {
    expirationSeconds,
    ...(audience === undefined ? {} : { audience }),
    boundPod: { name: metadata.name, uid: metadata.uid ?? "" },
  });
}

/** The files of one projected or downward API volume. */
async function projectedFiles(ctx: VolumeContext, volume: Volume): Promise<Map<string, VolumeFile>> {
  const files = new Map<string, VolumeFile>();
  const mode = volume.projected?.defaultMode ?? volume.downwardAPI?.defaultMode ?? DEFAULT_MODE;
  const sources = volume.projected?.sources ?? [{ downwardAPI: volume.downwardAPI }];
  for (const source of sources) {
    if (source.serviceAccountToken !== undefined) {
      const { path: file, expirationSeconds = 3600, audience } = source.serviceAccountToken;
      files.set(file, { content: Buffer.from(await boundToken(ctx, expirationSeconds, audience)), mode });
    } else if (source.configMap !== undefined || source.secret !== undefined) {
      const [kind, ref] =
        source.configMap !== undefined
          ? (["configMap", source.configMap] as const)
          : (["secret", source.secret as NonNullable<typeof source.secret>] as const);
      const data = await readData(ctx, kind, ref.name, ref.optional);
      if (data !== undefined) for (const [f, v] of keyFiles(data, ref.items, mode, ref.name)) files.set(f, v);
    } else if (source.downwardAPI !== undefined) {
      for (const item of source.downwardAPI.items) {
        if (item.fieldRef === undefined) throw new Error(`Only fieldRef items are emulated (${item.path}).`);
        const value = resolveFieldRef(ctx.pod, item.fieldRef.fieldPath, ctx.podIP);
        files.set(item.path, { content: Buffer.from(value), mode: item.mode ?? mode });
      }
    }
  }
  return files;
}

/** Sets up one volume and returns the directory holding what it shows. */
async function materialize(ctx: VolumeContext, volume: Volume): Promise<string> {
  const dir = path.join(ctx.podDir, "volumes", volume.name);
  if (volume.emptyDir !== undefined) {
    await mkdir(dir, { recursive: true });
    return dir;
  }
  if (volume.persistentVolumeClaim !== undefined) {
    const claimed = path.join(ctx.storageDir, volume.persistentVolumeClaim.claimName);
    await mkdir(claimed, { recursive: true });
    return claimed;
  }
  if (volume.secret !== undefined || volume.configMap !== undefined) {
    const [kind, name, ref] =
      volume.secret !== undefined
        ? (["secret", volume.secret.secretName, volume.secret] as const)
        : (["configMap", volume.configMap?.name ?? "", volume.configMap] as const);
    const data = (await readData(ctx, kind, name, ref?.optional)) ?? new Map<string, Buffer>();
    await writeAtomically(dir, keyFiles(data, ref?.items, ref?.defaultMode ?? DEFAULT_MODE, name));
    return dir;
  }
  if (volume.projected !== undefined || volume.downwardAPI !== undefined) {
    await writeAtomically(dir, await projectedFiles(ctx, volume));
    return dir;
  }
  throw new Error(
    `Volume ${volume.name} of ${ctx.pod.metadata.name} has a source this kubelet does not emulate.`,
  );
}

/** Sets up every volume of the pod; returns each volume's directory by name. */
export async function materializeVolumes(ctx: VolumeContext): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  for (const volume of ctx.pod.spec.volumes ?? []) dirs.set(volume.name, await materialize(ctx, volume));
  return dirs;
}
