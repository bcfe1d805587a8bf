import https from "node:https";
import http from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import { ApiError, TransportError } from "./api-error.js";

/** One request to the API server. */
export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Time allowed until the response headers arrive (and, for plain requests, the whole body). */
  timeoutMs?: number;
}

/** A streaming response (a watch): its lines, and a way to end it early. */
export interface KubeStream {
  lines: AsyncIterable<string>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * HTTP transport to the API server, authenticated from a kubeconfig by client-node (client certificates,
 * bearer tokens, exec plugins) over one keep-alive agent. Every request has a deadline, including the time
 * to first byte of a watch, so a stopped server is noticed instead of waited on forever.
 */
export class KubeTransport {
  private readonly agent: http.Agent;
  private readonly url: URL;

  private constructor(
    private readonly kubeConfig: KubeConfig,
    base: https.RequestOptions,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error("The kubeconfig has no current cluster: set current-context.");
    this.url = new URL(cluster.server);
    const agentOptions = {
      keepAlive: true,
      keepAliveMsecs: 30_000,
      ca: base.ca,
      cert: base.cert,
      key: base.key,
      rejectUnauthorized: base.rejectUnauthorized,
      servername: base.servername,
    };
    this.agent =
      this.url.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Builds a transport for the current context of a kubeconfig. */
  static async fromKubeConfig(kubeConfig: KubeConfig): Promise<KubeTransport> {
    const base: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(base);
    return new KubeTransport(kubeConfig, base);
  }

  /** The API server's base URL. */
  get server(): string {
    return this.url.toString();
  }

  /** Sends a request and returns the parsed JSON body; a non-2xx answer throws an ApiError. */
  async request(req: KubeRequest): Promise<unknown> {
    const res = await this.open(req, true);
    const text = await readBody(res, req.signal);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw ApiError.fromResponse(status, text, `${req.method} ${req.path}`);
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  /** Opens a streaming GET (a watch) and returns its newline-delimited lines. */
  async stream(req: KubeRequest): Promise<KubeStream> {
    const res = await this.open(req);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const text = await readBody(res, req.signal);
      throw ApiError.fromResponse(status, text, `${req.method} ${req.path}`);
    }
    res.setEncoding("utf8");
    return { lines: splitLines(res), close: () => res.destroy() };
  }

  /** Ends every idle keep-alive connection, so a process can exit promptly. */
  close(): void {
    this.agent.destroy();
  }

  /** Sends the request; the deadline covers the headers, and for `wholeBody` also the body. */
  private async open(req: KubeRequest, wholeBody = false): Promise<http.IncomingMessage> {
    const auth: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(auth);
    const url = new URL(req.path, this.url);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    for (const [k, v] of Object.entries(auth.headers ?? {})) if (typeof v === "string") headers[k] = v;
    if (payload !== undefined) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const module = this.url.protocol === "https:" ? https : http;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const clientReq = module.request(url, {
        method: req.method,
        headers,
        agent: this.agent,
        signal: req.signal,
      });
      const timer = setTimeout(() => {
        clientReq.destroy(new TransportError(`${req.method} ${req.path}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      clientReq.on("response", (res) => {
        if (wholeBody) res.once("close", () => clearTimeout(timer));
        else clearTimeout(timer);
        resolve(res);
      });
      clientReq.on("error", (err) => {
        clearTimeout(timer);
        reject(
          err instanceof TransportError
            ? err
            : new TransportError(`${req.method} ${req.path}: ${err.message}`),
        );
      });
      clientReq.end(payload);
    });
  }
}

async function readBody(res: http.IncomingMessage, signal?: AbortSignal): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  try {
    for await (const chunk of res) text += chunk as string;
  } catch (err) {
    if (signal?.aborted === true) throw err;
    throw new TransportError(`reading the response failed: ${(err as Error).message}`);
  }
  return text;
}

async function* splitLines(res: http.IncomingMessage): AsyncIterable<string> {
  let buffered = "";
  for await (const chunk of res) {
    buffered += chunk as string;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") yield line;
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered.trim() !== "") yield buffered.trim();
}
