// How a test-side kubelet starts one container of a pod on this machine: in its own mount and UTS namespaces (an
// unprivileged user namespace lets any user make them), with every volume mounted at the container's own mount path,
// the root filesystem read-only when the container asks for that, the pod's name as host name, and an environment
// built from nothing but what the kubelet and the image would give it. Only one thing differs from a pod: pods here
// share this machine's network namespace, so a listen address of the form `:PORT` (every interface of the pod)
// becomes `<pod IP>:PORT`, each pod having its own loopback address as IP.
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { coreResources } from "./core-resources.js";
import { expandVars, resolveFieldRef, type Container, type Pod } from "./pod-spec.js";

/** What the kubelet hands a container besides its spec. */
export interface ContainerLaunch {
  readonly pod: Pod;
  readonly container: Container;
  readonly podIP: string;
  /** Each volume's directory on this machine, by volume name. */
  readonly volumeDirs: ReadonlyMap<string, string>;
  /** A scratch directory of this container (its writable layers, a fresh one per start). */
  readonly containerDir: string;
  /** The image's ENTRYPOINT, run when the container names no command. */
  readonly entrypoint: readonly string[];
  /** The image's environment (PATH, HOME), before the kubelet's and the container's. */
  readonly imageEnv: Readonly<Record<string, string>>;
  /**
   * The image's files: a directory of this machine seen, read-only, at a path of the container, mounted before any
   * volume, so a volume over the directory's place on this machine (a checkout under /tmp) cannot hide it.
   */
  readonly imageFiles?: { readonly source: string; readonly target: string };
  /** Where KUBERNETES_SERVICE_HOST/PORT lead: the API server's address, as kube-proxy would translate it. */
  readonly apiserver: { readonly host: string; readonly port: number };
}

/** One mount of the container: a directory of this machine at a path of the container. */
interface Mount {
  target: string;
  source: string;
  readOnly: boolean;
}

/** Single-quotes a word for sh. */
const sh = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The container's environment as the kubelet builds it: the image's, the API server's Service variables (the pod
 * has `enableServiceLinks: false`, so only those), HOSTNAME, then the container's own in order, each able to refer
 * to those before it with `$(NAME)`. Secret and ConfigMap references are read as the kubelet reads them.
 */
export async function containerEnv(admin: KubeClient, launch: ContainerLaunch): Promise<Map<string, string>> {
  const { host, port } = launch.apiserver;
  const env = new Map<string, string>(Object.entries(launch.imageEnv));
  const tcp = `tcp://${host}:${port}`;
  for (const [name, value] of Object.entries({
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: tcp,
    KUBERNETES_PORT_443_TCP: tcp,
    KUBERNETES_PORT_443_TCP_PROTO: "tcp",
    KUBERNETES_PORT_443_TCP_PORT: String(port),
    KUBERNETES_PORT_443_TCP_ADDR: host,
    HOSTNAME: launch.pod.spec.hostname ?? launch.pod.metadata.name,
  })) {
    env.set(name, value);
  }
  const namespace = launch.pod.metadata.namespace ?? "";
  for (const variable of launch.container.env ?? []) {
    const from = variable.valueFrom;
    let value = variable.value === undefined ? "" : expandVars(variable.value, env);
    if (from?.fieldRef !== undefined)
      value = resolveFieldRef(launch.pod, from.fieldRef.fieldPath, launch.podIP);
    const ref = from?.secretKeyRef ?? from?.configMapKeyRef;
    if (ref !== undefined) {
      const kind = from?.secretKeyRef !== undefined ? "secret" : "configMap";
      const obj = (await admin.get(coreResources[kind], ref.name, namespace)) as {
        data?: Record<string, string>;
      };
      const raw = obj.data?.[ref.key] ?? "";
      value = kind === "secret" ? Buffer.from(raw, "base64").toString("utf8") : raw;
    }
    env.set(variable.name, value);
  }
  return env;
}

/**
 * The container's command line: its command (or the image's entrypoint) and arguments, `$(NAME)` expanded, and
 * `--flag=:PORT` listen addresses bound to the pod's IP (the one change: see the top of this file).
 */
export function containerArgv(launch: ContainerLaunch, env: ReadonlyMap<string, string>): string[] {
  const words = [...(launch.container.command ?? launch.entrypoint), ...(launch.container.args ?? [])];
  return words
    .map((word) => expandVars(word, env))
    .map((word) => word.replace(/^(--[a-z0-9-]+)=:(\d+)$/, `$1=${launch.podIP}:$2`));
}

/** The container's mounts: each volume mount, read-only where asked and always for API data and tokens. */
function mountsOf(launch: ContainerLaunch): Mount[] {
  const volumes = new Map((launch.pod.spec.volumes ?? []).map((v) => [v.name, v]));
  return (launch.container.volumeMounts ?? []).map((m) => {
    const volume = volumes.get(m.name);
    const dir = launch.volumeDirs.get(m.name);
    if (volume === undefined || dir === undefined) throw new Error(`No volume ${m.name} for ${m.mountPath}.`);
    const apiData = [volume.secret, volume.configMap, volume.projected, volume.downwardAPI].some(
      (source) => source !== undefined,
    );
    return {
      target: m.mountPath,
      source: m.subPath === undefined ? dir : path.join(dir, m.subPath),
      readOnly: m.readOnly === true || apiData,
    };
  });
}

/**
 * The directory under which `target` can be made: itself when it exists, else its nearest existing ancestor
 * (resolved), which gets a writable overlay so the mount point can be created without touching this machine.
 */
function overlayFor(target: string): string | undefined {
  if (existsSync(target)) return undefined;
  let dir = path.dirname(target);
  while (!existsSync(dir)) dir = path.dirname(dir);
  const real = realpathSync(dir);
  if (real === "/") throw new Error(`Cannot make the mount point ${target}: it would need an overlay on /.`);
  return real;
}

/**
 * The shell script that sets the container's file system up inside its new namespaces and then replaces itself with
 * the container's process: overlays where mount points must be made, volume bind mounts (parents first; a mount
 * over a directory that holds the volumes' own sources, such as /tmp, last), read-only remounts, and `exec env -i`.
 */
export function containerScript(launch: ContainerLaunch, env: ReadonlyMap<string, string>): string {
  const image = launch.imageFiles;
  const mounts = [
    ...(image === undefined ? [] : [{ target: image.target, source: image.source, readOnly: true }]),
    ...mountsOf(launch),
  ];
  const sources = [launch.containerDir, ...mounts.map((m) => m.source)];
  const shadows = (m: Mount): boolean => sources.some((s) => s.startsWith(`${m.target}/`));
  mounts.sort(
    (a, b) =>
      Number(shadows(a)) - Number(shadows(b)) || a.target.split("/").length - b.target.split("/").length,
  );
  const overlays = [...new Set(mounts.map((m) => overlayFor(m.target)).filter((d) => d !== undefined))];
  const readOnlyRoot = launch.container.securityContext?.readOnlyRootFilesystem === true;
  const lines = [
    `hostname ${sh(launch.pod.spec.hostname ?? launch.pod.metadata.name)}`,
    `layer=$(mktemp -d ${sh(path.join(launch.containerDir, "layer.XXXXXX"))})`,
    ...overlays.flatMap((dir, i) => [
      `mkdir "$layer/upper${i}" "$layer/work${i}"`,
      `mount -t overlay overlay -o "lowerdir=${dir},upperdir=$layer/upper${i},workdir=$layer/work${i}" ${sh(dir)}`,
    ]),
    ...mounts.flatMap((m) => [
      `mkdir -p ${sh(m.target)}`,
      `mount --bind ${sh(m.source)} ${sh(m.target)}`,
      ...(m.readOnly ? [`mount -o remount,bind,ro ${sh(m.target)}`] : []),
    ]),
    ...(readOnlyRoot ? [...overlays, "/"].map((dir) => `mount -o remount,bind,ro ${sh(dir)}`) : []),
    `cd ${sh(launch.container.workingDir ?? "/")}`,
    ["exec env -i", ...[...env].map(([k, v]) => sh(`${k}=${v}`)), ...containerArgv(launch, env).map(sh)].join(
      " ",
    ),
  ];
  return lines.join("\n");
}

/** The command that runs {@link containerScript} in new user, mount and UTS namespaces. */
export function containerCommand(script: string): { command: string; args: string[] } {
  return {
    command: "unshare",
    args: ["--user", "--map-root-user", "--mount", "--uts", "--propagation", "private", "sh", "-ec", script],
  };
}
