import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { pollUntil } from "../../hack/local-cluster/index.js";

/** One alert inside an Alertmanager webhook payload. */
export interface WebhookAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook payload, version 4. */
export interface WebhookPayload {
  readonly version: string;
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: "firing" | "resolved";
  readonly receiver: string;
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

/** One POST the sink received, with what it needs to check authentication. */
export interface ReceivedNotification {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly payload: WebhookPayload;
  readonly receivedAt: Date;
}

/** How the sink listens. */
export interface AlertSinkOptions {
  /** Serve HTTPS with this certificate and key (PEM files) instead of plain HTTP. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** A running webhook sink, as returned by {@link startAlertSink}. */
export interface AlertSink {
  /** `http(s)://127.0.0.1:<port>/alerts` */
  readonly url: string;
  /** Every notification so far, oldest first. */
  readonly notifications: readonly ReceivedNotification[];
  /** Answers later POSTs with this status (default 200), e.g. 503 to make Alertmanager retry. */
  respondWith(status: number): void;
  /** Waits (bounded) for a notification that satisfies `match`, counting ones already received. */
  waitFor(
    what: string,
    match: (notification: ReceivedNotification) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedNotification>;
  close(): Promise<void>;
}

/** Reads a request body as text. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts a webhook receiver on 127.0.0.1 that records every JSON POST Alertmanager makes, so a test can
 * assert on what was delivered and with which Authorization header. Test-only; the operator has its own.
 */
export async function startAlertSink(options: AlertSinkOptions = {}): Promise<AlertSink> {
  const notifications: ReceivedNotification[] = [];
  let status = 200;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== "POST") {
      response.writeHead(405).end();
      return;
    }
    const body = await readBody(request);
    notifications.push({
      path: request.url ?? "",
      authorization: request.headers.authorization,
      contentType: request.headers["content-type"],
      payload: JSON.parse(body) as WebhookPayload,
      receivedAt: new Date(),
    });
    response.writeHead(status).end();
  };
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(400, { "content-type": "text/plain" }).end(`${String(error)}\n`);
    });
  };
  const server =
    options.tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer(
          { cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) },
          listener,
        );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls === undefined ? "http" : "https";
  return {
    url: `${scheme}://127.0.0.1:${port}/alerts`,
    notifications,
    respondWith(next) {
      status = next;
    },
    waitFor(what, match, timeoutMs = 120_000) {
      return pollUntil(what, () => notifications.find(match), {
        timeoutMs,
        intervalMs: 100,
        describeFailure: () =>
          `Received so far: ${JSON.stringify(
            notifications.map((n) => n.payload),
            null,
            1,
          )}`,
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
