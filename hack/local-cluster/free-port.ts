import { createServer, type Server } from "node:net";
import { LocalClusterError } from "./errors.js";

/** Binds port 0 on 127.0.0.1 and resolves with the listening server, so the kernel-chosen port stays held. */
async function listenOnAnyPort(): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => resolve(server));
  });
}

/**
 * Returns `count` distinct TCP ports on 127.0.0.1 that were free a moment ago: it binds port 0 that many
 * times at once, reads what the kernel chose, and closes. Like envtest, it accepts the small race with other
 * processes in exchange for never using fixed ports.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listenOnAnyPort()));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(
    servers.map(
      (server) => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
    ),
  );
  return ports;
}

/** Returns one TCP port on 127.0.0.1 that was free a moment ago; see {@link findFreePorts}. */
export async function findFreePort(): Promise<number> {
  const [port] = await findFreePorts(1);
  if (port === undefined || port === 0)
    throw new LocalClusterError("The kernel did not assign a port on 127.0.0.1.");
  return port;
}
