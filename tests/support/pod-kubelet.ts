// A kubelet for one pod, on a cluster without nodes: it sets the pod's volumes up, starts its (single) container as
// pod-container.ts describes, probes its readiness as the pod spec says, and reports what it sees in the pod's
// status (IP, phase, Ready), which is what Services route by (service-proxy.ts). Unlike a kubelet it restarts a
// container only when the test says so, so a test decides when a killed replica comes back.
import { mkdir, readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ManagedProcess } from "../../hack/local-cluster/process.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { coreResources } from "./core-resources.js";
import { waitFor } from "./kube.js";
import { containerCommand, containerEnv, containerScript, type ContainerLaunch } from "./pod-container.js";
import type { Container, Pod, Probe } from "./pod-spec.js";
import { materializeVolumes } from "./pod-volumes.js";

/** What the kubelet needs besides the pod. */
export interface KubeletOptions {
  readonly admin: KubeClient;
  readonly pod: Pod;
  /** The pod's IP: a loopback address of its own. */
  readonly podIP: string;
  /** This pod's directory on this machine (volumes, container layers, log). */
  readonly podDir: string;
  /** Where claims' volumes live, across pods. */
  readonly storageDir: string;
  readonly entrypoint: readonly string[];
  readonly imageEnv: Readonly<Record<string, string>>;
  /** The image's files: a directory of this machine seen, read-only, at a path of the container. */
  readonly imageFiles?: { readonly source: string; readonly target: string };
  readonly apiserver: { readonly host: string; readonly port: number };
}

/** A pod this kubelet runs. */
export interface RunningPod {
  readonly name: string;
  readonly ip: string;
  /** The container's output (stdout and stderr), across restarts. */
  readonly logFile: string;
  /** Where a path of the container (inside one of its volume mounts) is on this machine. */
  hostPath(containerPath: string): string;
  /** Starts the container (again, after a kill): same command, same volumes, as a container restart. */
  start(): Promise<void>;
  /** SIGKILL, then the pod is reported not ready at once, as the kubelet reports a dead container. */
  kill(): Promise<void>;
  /** Waits until the API server holds the pod as Ready. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** The container's JSON log lines so far. */
  logs(): Promise<Record<string, unknown>[]>;
  /** Stops probing and the container (SIGTERM, then SIGKILL after the grace period). */
  close(): Promise<void>;
}

/** One HTTP GET of a probe; true on 2xx/3xx within its timeout. */
function probeOnce(ip: string, port: number, probe: Probe): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: ip, port, path: probe.httpGet?.path ?? "/", timeout: (probe.timeoutSeconds ?? 1) * 1000 },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/** The port number a probe names (a number, or a container port's name). */
function probePort(container: Container, probe: Probe): number {
  const port = probe.httpGet?.port;
  if (typeof port === "number") return port;
  const found = container.ports?.find((p) => p.name === port)?.containerPort;
  if (found === undefined) throw new Error(`Container ${container.name} has no port named ${port}.`);
  return found;
}

/** Sets the pod's volumes up and returns the handle that runs its container. */
export async function runPod(options: KubeletOptions): Promise<RunningPod> {
  const { admin, pod, podIP } = options;
  const container = pod.spec.containers[0];
  if (container === undefined || pod.spec.containers.length > 1) {
    throw new Error(`Pod ${pod.metadata.name}: this kubelet runs pods of exactly one container.`);
  }
  const name = pod.metadata.name;
  const namespace = pod.metadata.namespace ?? "";
  const containerDir = path.join(options.podDir, "containers", container.name);
  await mkdir(containerDir, { recursive: true });
  const volumeDirs = await materializeVolumes(options);
  const launch: ContainerLaunch = { ...options, container, volumeDirs, containerDir };
  const env = await containerEnv(admin, launch);
  const { command, args } = containerCommand(containerScript(launch, env));
  const logFile = path.join(options.podDir, `${container.name}.log`);
  const proc = new ManagedProcess({ name: `${name}/${container.name}`, command, args, logFile });

  let restarts = -1;
  let ready = false;
  const closing = new AbortController();
  const writeStatus = async (): Promise<void> => {
    const running = proc.running;
    const exit = running ? undefined : await proc.waitForExit(1_000);
    const condition = (type: string) => ({ type, status: ready ? "True" : "False" });
    await admin.patch(
      coreResources.pod,
      name,
      namespace,
      {
        status: {
          phase: "Running",
          podIP,
          podIPs: [{ ip: podIP }],
          conditions: [condition("Ready"), condition("ContainersReady")],
          containerStatuses: [
            {
              name: container.name,
              image: container.image,
              imageID: "",
              ready,
              started: running,
              restartCount: Math.max(restarts, 0),
              state: running
                ? { running: {} }
                : {
                    terminated: {
                      exitCode: exit?.code ?? 137,
                      reason: exit?.code === 0 ? "Completed" : "Error",
                    },
                  },
            },
          ],
        },
      },
      { type: "merge", subresource: "status" },
    );
  };
  const probe = container.readinessProbe;
  const prober = (async () => {
    let successes = 0;
    let failures = 0;
    while (!closing.signal.aborted) {
      if (!proc.running && ready) {
        // The container exited by itself (a leader that lost its Lease exits 1): no longer ready.
        ready = false;
        await writeStatus().catch(() => (ready = true));
      } else if (proc.running && probe !== undefined) {
        const ok = await probeOnce(podIP, probePort(container, probe), probe);
        [successes, failures] = ok ? [successes + 1, 0] : [0, failures + 1];
        const next: boolean = ok
          ? ready || successes >= (probe.successThreshold ?? 1)
          : ready && failures < (probe.failureThreshold ?? 3);
        if (next !== ready && proc.running) {
          ready = next;
          // A failed status write is retried at the next period (ready then differs from what was written).
          await writeStatus().catch(() => (ready = !next));
        }
      }
      await sleep((probe?.periodSeconds ?? 10) * 1000, undefined, { signal: closing.signal }).catch(
        () => undefined,
      );
    }
  })();

  return {
    name,
    ip: podIP,
    logFile,
    hostPath(containerPath) {
      const mount = (container.volumeMounts ?? [])
        .filter((m) => containerPath === m.mountPath || containerPath.startsWith(`${m.mountPath}/`))
        .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
      const dir = mount === undefined ? undefined : volumeDirs.get(mount.name);
      if (mount === undefined || dir === undefined) throw new Error(`${containerPath} is in no volume.`);
      return path.join(dir, path.relative(mount.mountPath, containerPath));
    },
    async start() {
      restarts += 1;
      ready = false;
      await proc.start();
      await writeStatus();
    },
    async kill() {
      await proc.kill();
      ready = false;
      await writeStatus();
    },
    async waitReady(timeoutMs = 120_000) {
      const outcome = await waitFor(
        `pod ${name} to be Ready`,
        async () => {
          if (!proc.running) return "exited";
          const obj = (await admin.get(coreResources.pod, name, namespace)) as {
            status?: { conditions?: { type: string; status: string }[] };
          };
          const isReady = obj.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
          return isReady === true ? "ready" : undefined;
        },
        { timeoutMs, intervalMs: 250 },
      );
      if (outcome === "exited") throw new Error(`The container of ${name} exited:\n${proc.logTail()}`);
    },
    async logs() {
      return (await readFile(logFile, "utf8")).split("\n").flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    },
    async close() {
      closing.abort();
      await proc.stop();
      await prober;
    },
  };
}
