import https from "node:https";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, sendText } from "../runtime/http-body.js";
import { parseAddress } from "../runtime/http-server.js";
import type { Logger } from "../runtime/logging.js";
import { loadServingCertificate, watchServingCertificate } from "../webhooks/serving-certificate.js";
import { refusal, type ReceiverAnswer } from "./answer.js";

/** The largest event body accepted by default: 1 MiB, far above any pipeline or Alertmanager payload. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/** A request as a route sees it once the caller is authenticated and the body read. */
export interface ReceiverRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One POST endpoint of the receivers server: who may call it, and what it does with a request. */
export interface ReceiverRoute {
  /** Checks the caller before the body is read: undefined lets the request through, an answer refuses it. */
  authenticate(headers: IncomingHttpHeaders): ReceiverAnswer | undefined;
  handle(request: ReceiverRequest): Promise<ReceiverAnswer>;
}

/** How to start the receivers server. */
export interface ReceiverServerOptions {
  /** `host:port`; port 0 picks a free one (see {@link ReceiverServer.port}). */
  address: string;
  certFile: string;
  keyFile: string;
  /** The POST endpoints by path, for example `/pipeline-events`. */
  routes: Readonly<Record<string, ReceiverRoute>>;
  log: Logger;
  maxBodyBytes?: number;
  /** How often the certificate files are checked for rotation. Default 10 s. */
  certReloadIntervalMs?: number;
}

/** A running receivers server. */
export interface ReceiverServer {
  port: number;
  /** Stops accepting, closes open connections and stops watching the certificate. */
  close(): Promise<void>;
}

function sendAnswer(res: ServerResponse, answer: ReceiverAnswer): void {
  res
    .writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers })
    .end(`${JSON.stringify(answer.body)}\n`);
}

/** Routes one HTTP request; every failure ends in an answer, never in an unhandled rejection. */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: ReceiverServerOptions,
  maxBodyBytes: number,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (path === "/healthz") {
    if (req.method === "GET") sendText(res, 200, "ok");
    else sendText(res, 405, "use GET", { Allow: "GET" });
    return;
  }
  const route = options.routes[path];
  if (route === undefined) {
    const paths = Object.keys(options.routes).join(", ");
    return sendAnswer(
      res,
      refusal(404, "NotFound", `there is no receiver at ${path}; the receivers are ${paths}.`),
    );
  }
  if (req.method !== "POST") {
    const answer = refusal(405, "MethodNotAllowed", `${path} takes POST only.`, {
      headers: { Allow: "POST" },
    });
    return sendAnswer(res, answer);
  }
  const refused = route.authenticate(req.headers);
  if (refused !== undefined) {
    // Do not read an unauthenticated body; close the connection rather than drain it.
    res.setHeader("Connection", "close");
    return sendAnswer(res, refused);
  }
  const body = await readBody(req, maxBodyBytes);
  if (body === "aborted") return;
  if (body === "too-large") {
    const message = `the request body is larger than ${maxBodyBytes} bytes, the receiver's limit; send one event per request.`;
    return sendAnswer(res, refusal(413, "TooLarge", message));
  }
  sendAnswer(res, await route.handle({ path, headers: req.headers, body }));
}

/**
 * Starts the event receivers over HTTPS on `address`: each route of `routes` (POST only, authenticated by the
 * route before its body is read) and `GET /healthz`. Bodies over the limit get 413; the certificate is reloaded
 * when its files change; a failing request is answered with 500 and the server keeps serving.
 */
export async function startReceiverServer(options: ReceiverServerOptions): Promise<ReceiverServer> {
  const { host, port } = parseAddress(options.address);
  const files = { certFile: options.certFile, keyFile: options.keyFile };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const server = https.createServer({
    ...(await loadServingCertificate(files)),
    minVersion: "TLSv1.2",
    requestTimeout: 30_000,
    headersTimeout: 10_000,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res, options, maxBodyBytes).catch((error: unknown) => {
      options.log.error({ url: req.url, err: error }, "Failed to answer an event receiver request");
      if (!res.headersSent)
        sendAnswer(res, refusal(500, "InternalError", "the receiver failed to answer; retry."));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => options.log.error({ err: error }, "The event receivers server failed"));
  const watch = watchServingCertificate(server, files, {
    intervalMs: options.certReloadIntervalMs ?? 10_000,
    log: options.log,
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      watch.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
