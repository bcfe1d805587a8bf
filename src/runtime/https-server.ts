import { readFile } from "node:fs/promises";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { sendText } from "./http-body.js";
import { parseAddress } from "./http-server.js";
import type { Logger } from "./logging.js";
import {
  watchCertificateFiles,
  type ServingCertificate,
  type ServingCertificateSource,
} from "./serving-certificate.js";

/**
 * Where and with which certificate an HTTPS server serves: `certificates` (a source the caller owns, such as the
 * operator's Secret), or `certFile` and `keyFile` (watched by the server for rotation).
 */
export interface HttpsServingOptions {
  /** `host:port`; port 0 picks a free one (see {@link RunningHttpsServer.port}). */
  address: string;
  certificates?: ServingCertificateSource;
  certFile?: string;
  keyFile?: string;
  /** How often the certificate files are checked for rotation. Default 10 s. */
  certReloadIntervalMs?: number;
  /** When set, only callers with a client certificate this authority issued complete the TLS handshake. */
  clientAuth?: ClientCertificateAuth;
  log: Logger;
}

/** Who may call a server that authenticates its callers by client certificate (mutual TLS). */
export interface ClientCertificateAuth {
  /** PEM file of the CA that issues the callers' certificates (for webhooks: the API server's). */
  caFile: string;
  /** The certificate common names allowed; empty or absent: any certificate the CA issued. */
  allowedNames?: readonly string[];
}

/** The common name of the verified client certificate of a request, when there is one. */
function clientCommonName(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || socket.getPeerCertificate === undefined) return undefined;
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === "string" ? cn : undefined;
}

/** How to start an HTTPS server that serves from a rotating certificate. */
export interface HttpsServerOptions extends HttpsServingOptions {
  /**
   * Answers one request (other than `/healthz`) for `path`, the URL without its query; a rejection is logged and
   * answered by {@link HttpsServerOptions.answerFailure}.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  /** Answers a request whose handler failed before it sent its headers (after, the connection is destroyed). */
  answerFailure(res: ServerResponse): void;
  /** The log lines of a failed request and of a failure of the server itself. */
  messages: { requestFailed: string; serverFailed: string };
}

/** A running HTTPS server. */
export interface RunningHttpsServer {
  port: number;
  /** Stops accepting, closes open connections and stops watching the certificate. */
  close(): Promise<void>;
}

/** The certificate source of the options, and whether the server owns it (made it from files, so stops it). */
async function certificateSource(
  options: HttpsServingOptions,
): Promise<{ source: ServingCertificateSource; stop(): void }> {
  if (options.certificates !== undefined) return { source: options.certificates, stop: () => undefined };
  if (options.certFile === undefined || options.keyFile === undefined) {
    throw new Error("an HTTPS server needs a certificate source, or certFile and keyFile");
  }
  const files = await watchCertificateFiles(
    { certFile: options.certFile, keyFile: options.keyFile },
    { intervalMs: options.certReloadIntervalMs ?? 10_000, log: options.log },
  );
  return { source: files, stop: () => files.stop() };
}

/**
 * How long an idle keep-alive connection stays open. Longer than the 90 s after which Go's HTTP clients (the API
 * server calling webhooks, Alertmanager, Prometheus) drop idle connections themselves, so the client always closes
 * first: with Node's default of 5 s, a request the client sent on a connection the server was closing at that
 * moment was reset ("connection reset by peer"), and the API server, which does not retry a webhook POST, failed
 * the user's request closed.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;

/**
 * Starts an HTTPS server (TLS 1.2 or later, request and header timeouts, idle connections kept
 * {@link KEEP_ALIVE_TIMEOUT_MS}) on `address` and resolves once it
 * listens. With `clientAuth`, only callers presenting a certificate of that CA (and of an allowed name) are
 * served. It answers `GET /healthz` itself and every other path with `handle`. It serves the certificate its source
 * holds, and each new one from then on (new connections get it; a source with none yet fails the handshake), and a
 * failing request is answered and logged while the server keeps serving.
 */
export async function startHttpsServer(options: HttpsServerOptions): Promise<RunningHttpsServer> {
  const { host, port } = parseAddress(options.address);
  const clientCa = options.clientAuth === undefined ? undefined : await readFile(options.clientAuth.caFile);
  const allowedNames = new Set(options.clientAuth?.allowedNames ?? []);
  const certificates = await certificateSource(options);
  const initial = certificates.source.current();
  const server = https.createServer({
    ...initial,
    // Mutual TLS: a caller without a certificate from the CA fails the handshake, before any handler runs.
    ...(clientCa === undefined ? {} : { ca: clientCa, requestCert: true, rejectUnauthorized: true }),
    minVersion: "TLSv1.2",
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (allowedNames.size > 0 && !allowedNames.has(clientCommonName(req) ?? "")) {
      sendText(res, 403, "this client certificate's common name is not one allowed to call this server");
      return;
    }
    if (path === "/healthz") {
      if (req.method === "GET") sendText(res, 200, "ok");
      else sendText(res, 405, "use GET", { Allow: "GET" });
      return;
    }
    options.handle(req, res, path).catch((error: unknown) => {
      options.log.error({ url: req.url, err: error }, options.messages.requestFailed);
      if (!res.headersSent) options.answerFailure(res);
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
  server.on("error", (error) => options.log.error({ err: error }, options.messages.serverFailed));
  // A new context replaces the whole old one: the CA that verifies client certificates goes with it.
  const serve = (pair: ServingCertificate): void =>
    server.setSecureContext({
      ...pair,
      minVersion: "TLSv1.2",
      ...(clientCa === undefined ? {} : { ca: clientCa }),
    });
  const unsubscribe = certificates.source.subscribe(serve);
  const latest = certificates.source.current();
  if (latest !== undefined && latest !== initial) serve(latest);
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      unsubscribe();
      certificates.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
