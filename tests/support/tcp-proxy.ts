import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP pass-through on loopback that a test can cut and restore, to take one client's connection to the
 * real API server away (as a broken network would) while other clients keep talking to it directly. Given several
 * ports, it spreads connections over them in turn, as a Service does over its endpoints.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  private server: net.Server | undefined;
  private readonly targetPorts: readonly number[];
  private turn = 0;

  constructor(targetPort: number | readonly number[]) {
    this.targetPorts = typeof targetPort === "number" ? [targetPort] : targetPort;
  }

  /** Starts listening on a free loopback port and returns it. */
  async listen(): Promise<number> {
    const server = net.createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const port = this.targetPorts[this.turn++ % this.targetPorts.length] ?? 0;
      const upstream = net.connect(port, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Drops every connection and refuses new ones until restored. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  /** Lets connections through again. */
  restore(): void {
    this.cut = false;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    this.cutOff();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
