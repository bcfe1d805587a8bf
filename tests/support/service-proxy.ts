// The Service network of a cluster without kube-proxy: kube-apiserver reaches Services through its egress selector
// (`--egress-selector-config-file`, the mechanism Konnectivity uses on managed control planes), which tunnels every
// "cluster" connection through an HTTP CONNECT proxy on a Unix socket. This proxy plays kube-proxy and the
// EndpointSlice controller: it finds the Service by its ClusterIP, picks one of the pods its selector matches that
// are Ready with an IP (from the pods' status, as the API holds it), and connects to that pod's target port.
import { randomInt } from "node:crypto";
import { writeFile } from "node:fs/promises";
import net from "node:net";
import { stringify } from "yaml";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { coreResources } from "./core-resources.js";

interface ServiceSpec {
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: number | string }[];
}
interface PodFacts {
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

/** One connection the proxy routed (or could not), for a test's diagnostics. */
export interface RoutedConnection {
  readonly to: string;
  readonly service?: string;
  readonly pod?: string;
  readonly refused?: string;
}

/** A running proxy. */
export interface ServiceProxy {
  /** Every CONNECT it answered, in order. */
  readonly routed: readonly RoutedConnection[];
  close(): Promise<void>;
}

/**
 * Writes the EgressSelectorConfiguration that sends kube-apiserver's "cluster" traffic (Service webhooks among it)
 * through the proxy on `socket`; control-plane and etcd traffic stays direct.
 */
export async function writeEgressSelectorConfig(file: string, socket: string): Promise<void> {
  await writeFile(
    file,
    stringify({
      apiVersion: "apiserver.k8s.io/v1beta1",
      kind: "EgressSelectorConfiguration",
      egressSelections: [
        {
          name: "cluster",
          connection: { proxyProtocol: "HTTPConnect", transport: { uds: { udsName: socket } } },
        },
        { name: "controlplane", connection: { proxyProtocol: "Direct" } },
        { name: "etcd", connection: { proxyProtocol: "Direct" } },
      ],
    }),
  );
}

/** The pod and port a Service's ClusterIP and port lead to right now, or why there is none. */
async function resolve(
  admin: KubeClient,
  host: string,
  port: number,
): Promise<{ service: string; pod: string; address: string; port: number } | { refused: string }> {
  const { items } = await admin.list(coreResources.service);
  const svc = items.find((s) => (s.spec as ServiceSpec).clusterIP === host);
  if (svc === undefined) return { refused: `no Service has the ClusterIP ${host}` };
  const spec = svc.spec as ServiceSpec;
  const servicePort = spec.ports?.find((p) => p.port === port);
  if (servicePort === undefined) return { refused: `Service ${svc.metadata.name} has no port ${port}` };
  const selector = Object.entries(spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = (
    await admin.list(coreResources.pod, { namespace: svc.metadata.namespace, labelSelector: selector })
  ).items;
  const ready = pods.filter((p) => {
    const status = (p as PodFacts).status;
    return (
      status?.podIP !== undefined && status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
    );
  });
  const name = `${svc.metadata.namespace}/${svc.metadata.name}`;
  if (ready.length === 0) return { refused: `Service ${name} has no ready endpoint` };
  const chosen = ready[randomInt(ready.length)] as KubeObject & PodFacts;
  const target = servicePort.targetPort ?? port;
  const targetPort =
    typeof target === "number"
      ? target
      : chosen.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
  if (targetPort === undefined) return { refused: `pod ${chosen.metadata.name} has no port named ${target}` };
  return { service: name, pod: chosen.metadata.name, address: chosen.status?.podIP ?? "", port: targetPort };
}

/** Reads the CONNECT request head (the API server sends nothing else before the 200). */
function readHead(socket: net.Socket): Promise<string> {
  return new Promise((done, fail) => {
    let head = "";
    const onData = (chunk: Buffer): void => {
      head += chunk.toString("latin1");
      if (head.includes("\r\n\r\n")) {
        socket.off("data", onData);
        done(head);
      }
    };
    socket.on("data", onData);
    socket.once("error", fail);
    socket.once("end", () => fail(new Error("the client closed before its CONNECT request")));
  });
}

/** Starts the proxy on the Unix socket `socket`, resolving Services and pods as `admin`. */
export async function startServiceProxy(admin: KubeClient, socket: string): Promise<ServiceProxy> {
  const routed: RoutedConnection[] = [];
  const open = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    void (async () => {
      const head = await readHead(client);
      const match = /^CONNECT (\S+):(\d+) HTTP\/1\.[01]\r\n/.exec(head);
      if (match === null) {
        client.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
        return;
      }
      const [to, host, port] = [`${match[1]}:${match[2]}`, match[1] ?? "", Number(match[2])];
      const route = await resolve(admin, host, port);
      if ("refused" in route) {
        routed.push({ to, refused: route.refused });
        client.end(`HTTP/1.1 503 Service Unavailable\r\n\r\n`);
        return;
      }
      const upstream = net.connect(route.port, route.address);
      track(upstream);
      upstream.once("connect", () => {
        routed.push({ to, service: route.service, pod: route.pod });
        client.write("HTTP/1.1 200 Connection established\r\n\r\n");
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.once("error", (err) => {
        routed.push({ to, service: route.service, pod: route.pod, refused: err.message });
        client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    })().catch(() => client.destroy());
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(socket, done);
  });
  return {
    routed,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
