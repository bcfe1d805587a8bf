import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { http } from "./node-http.js";

/** A route: answers a request with a status, a content type and a body. */
export type Route = () => Promise<{ status: number; contentType?: string; body: string }>;

/**
 * A small HTTP server for probes and metrics. It binds `host:port` ("0" picks a free port), answers unknown
 * paths with 404, and never lets a failing route take the process down.
 */
export class RouteServer {
  private server: Server | undefined;

  constructor(
    private readonly routes: Record<string, Route>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Starts listening and returns the bound port. */
  async listen(address: string): Promise<number> {
    const { host, port } = parseAddress(address);
    const server = http.createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const route = this.routes[path];
      if (route === undefined || req.method !== "GET") {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
        return;
      }
      Promise.resolve()
        .then(route)
        .then(
          (answer) => {
            res
              .writeHead(answer.status, { "Content-Type": answer.contentType ?? "text/plain" })
              .end(answer.body);
          },
          (err: unknown) => {
            res.writeHead(500, { "Content-Type": "text/plain" }).end(`${(err as Error).message}\n`);
          },
        );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.onError(err));
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening and closes open connections. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Splits `host:port` (or `:port`) into its parts; an empty host means every interface. */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(":");
  const host = colon <= 0 ? undefined : address.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`"${address}" is not a listen address: use host:port, for example :8081 or 127.0.0.1:0`);
  }
  return { host, port };
}
