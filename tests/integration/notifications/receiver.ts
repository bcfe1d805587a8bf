// A real HTTPS receiver on loopback for the notification tests: it keeps every request (headers and body), answers
// with what the test scripts (200 by default, or a status, or no answer at all), and checks webhook signatures.
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";

/** One request as the receiver got it. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers the next requests: a status, or nothing (held open until release()). */
export type Answer = number | "hang";

/** An HTTPS receiver with a self-signed certificate for 127.0.0.1. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  /** Answers for the next requests, in order; when empty, `fallback`. */
  readonly script: Answer[] = [];
  fallback: Answer = 200;
  private readonly held: ServerResponse[] = [];
  private server: https.Server | undefined;
  port = 0;

  constructor(private readonly tls: { cert: string; key: string }) {}

  async start(): Promise<void> {
    const server = https.createServer(this.tls, (req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        this.requests.push({ path: req.url ?? "", headers: req.headers, body });
        const answer = this.script.shift() ?? this.fallback;
        if (answer === "hang") this.held.push(res);
        else res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Ends every held request by dropping its connection (no answer ever came). */
  release(): void {
    for (const res of this.held.splice(0)) res.socket?.destroy();
  }

  async stop(): Promise<void> {
    this.release();
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  }

  /** The requests whose path is `path`. */
  at(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }
}
