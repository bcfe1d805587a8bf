import https from "node:https";
import type { Agent, IncomingMessage } from "node:http";
import { http } from "../node-http.js";
import type { KubeCredentials } from "./kube-credentials.js";
import { ApiError, TransportError } from "./api-error.js";
import { sameMaterial, type TlsMaterial } from "./tls-material.js";

/** One request to the API server. */
export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Extra request headers, for example `Impersonate-User` (a header given twice is an array). */
  headers?: Record<string, string | string[]>;
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

/** TLS material and headers for one request, as client-node derives them from the kubeconfig. */
interface Credentials {
  options: https.RequestOptions;
  headers: Record<string, string>;
}

/**
 * HTTP transport to the API server, authenticated from a kubeconfig by client-node (client certificates,
 * bearer tokens, exec plugins, basic auth) over a keep-alive agent that is rebuilt when the client certificate
 * changes (exec plugins that rotate certificates). Every request has a deadline covering credential lookup and
 * the response headers, and for plain requests and error answers the body too, so a stopped server is noticed.
 */
export class KubeTransport {
  private agent: Agent | undefined;
  private agentMaterial: TlsMaterial | undefined;
  private readonly url: URL;
  private readonly basePath: string;

  constructor(private readonly kubeConfig: KubeCredentials) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error("The kubeconfig has no current cluster: set current-context.");
    this.url = new URL(cluster.server);
    this.basePath = this.url.pathname.replace(/\/+$/, "");
  }

  /** The API server's base URL. */
  get server(): string {
    return this.url.toString();
  }

  /** Sends a request and returns the parsed JSON body; a non-2xx answer throws an ApiError. */
  async request(req: KubeRequest): Promise<unknown> {
    const res = await this.open(req, "whole");
    const text = await readBody(res, req.signal);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw ApiError.fromResponse(status, text, `${req.method} ${req.path}`);
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  /** Opens a streaming GET (a watch) and returns its newline-delimited lines. */
  async stream(req: KubeRequest): Promise<KubeStream> {
    const res = await this.open(req, "headers-unless-error");
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
    this.agent?.destroy();
  }

  private async credentials(): Promise<Credentials> {
    const options: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) if (typeof v === "string") headers[k] = v;
    if (typeof options.auth === "string" && headers.Authorization === undefined) {
      headers.Authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
    }
    return { options, headers };
  }

  /** The keep-alive agent for these credentials; a new one when the TLS material changed. */
  private agentFor(options: https.RequestOptions): Agent {
    const material: TlsMaterial = {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.rejectUnauthorized,
      servername: options.servername,
    };
    if (this.agent !== undefined && sameMaterial(this.agentMaterial, material)) return this.agent;
    this.agent?.destroy();
    const agentOptions = { keepAlive: true, keepAliveMsecs: 30_000, ...material };
    this.agent =
      this.url.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.agentMaterial = material;
    return this.agent;
  }

  /**
   * Sends the request under one deadline: credential lookup and headers always; the body too for `whole`, and
   * for a stream whose status is an error (its body is read to build the ApiError).
   */
  private async open(req: KubeRequest, deadline: "whole" | "headers-unless-error"): Promise<IncomingMessage> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const what = `${req.method} ${req.path}`;
    const expired = new AbortController();
    const timer = setTimeout(() => expired.abort(), timeoutMs);
    const signal = req.signal === undefined ? expired.signal : AbortSignal.any([req.signal, expired.signal]);
    const timeoutError = (): TransportError =>
      new TransportError(`${what}: no answer within ${timeoutMs} ms`);
    try {
      const creds = await withSignal(this.credentials(), signal, timeoutError);
      const url = new URL(this.basePath + req.path, this.url);
      for (const [k, v] of Object.entries(req.query ?? {}))
        if (v !== undefined) url.searchParams.set(k, String(v));
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const headers: Record<string, string | string[]> = {
        Accept: "application/json",
        ...req.headers,
        ...creds.headers,
      };
      if (payload !== undefined) {
        headers["Content-Type"] = req.contentType ?? "application/json";
        headers["Content-Length"] = String(Buffer.byteLength(payload));
      }
      const module = this.url.protocol === "https:" ? https : http;
      const agent = this.agentFor(creds.options);
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const clientReq = module.request(url, { method: req.method, headers, agent, signal });
        clientReq.on("response", resolve);
        clientReq.on("error", (err) => {
          if (expired.signal.aborted) reject(timeoutError());
          else if (req.signal?.aborted === true) reject(err);
          else reject(new TransportError(`${what}: ${err.message}`));
        });
        clientReq.end(payload);
      });
      const status = res.statusCode ?? 0;
      const keepDeadline = deadline === "whole" || status < 200 || status > 299;
      if (keepDeadline) {
        const onExpire = (): void => void res.destroy(timeoutError());
        expired.signal.addEventListener("abort", onExpire, { once: true });
        res.once("close", () => {
          clearTimeout(timer);
          expired.signal.removeEventListener("abort", onExpire);
        });
      } else {
        clearTimeout(timer);
      }
      return res;
    } catch (err) {
      clearTimeout(timer);
      throw err;
    }
  }
}

/** Races a promise against an abort signal, so a hanging credential plugin cannot outlive the deadline. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

async function readBody(res: IncomingMessage, signal?: AbortSignal): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  try {
    for await (const chunk of res) text += chunk as string;
  } catch (err) {
    if (signal?.aborted === true || err instanceof TransportError) throw err;
    throw new TransportError(`reading the response failed: ${(err as Error).message}`);
  }
  return text;
}

async function* splitLines(res: IncomingMessage): AsyncIterable<string> {
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
