import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../runtime/http-body.js";
import {
  startHttpsServer,
  type HttpsServingOptions,
  type RunningHttpsServer,
} from "../runtime/https-server.js";
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
export interface ReceiverServerOptions extends HttpsServingOptions {
  /** The POST endpoints by path, for example `/pipeline-events`. */
  routes: Readonly<Record<string, ReceiverRoute>>;
  maxBodyBytes?: number;
}

/** A running receivers server. */
export type ReceiverServer = RunningHttpsServer;

function sendAnswer(res: ServerResponse, answer: ReceiverAnswer): void {
  res
    .writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers })
    .end(`${JSON.stringify(answer.body)}\n`);
}

/** Routes one HTTP request; every failure ends in an answer, never in an unhandled rejection. */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  options: ReceiverServerOptions,
  maxBodyBytes: number,
): Promise<void> {
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
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_EVENT_BYTES;
  return startHttpsServer({
    ...options,
    handle: (req, res, path) => serve(req, res, path, options, maxBodyBytes),
    answerFailure: (res) =>
      sendAnswer(res, refusal(500, "InternalError", "the receiver failed to answer; retry.")),
    messages: {
      requestFailed: "Failed to answer an event receiver request",
      serverFailed: "The event receivers server failed",
    },
  });
}
