import { interpretQueryResponse } from "./prometheus-response.js";
import type { QueryResult } from "./query-result.js";

/** How long one query may take by default, on the wire and inside Prometheus. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/** One instant query: a PromQL expression evaluated at one instant. */
export interface InstantQuery {
  /** The base URL of the Prometheus HTTP API, for example http://prometheus.monitoring:9090. */
  prometheusURL: string;
  query: string;
  /** The evaluation instant (`time`); Prometheus evaluates the expression as it stood then. */
  at: Date;
}

/** Options of {@link queryInstant}. */
export interface QueryOptions {
  /** Aborts the query and rejects (shutdown, lost leadership); it is not an answer of Prometheus. */
  signal?: AbortSignal;
  /** Bound on the whole request, also sent to Prometheus as its query `timeout`. */
  timeoutMs?: number;
  /** The fetch to use; tests pass their own. */
  fetch?: typeof fetch;
}

/** `GET <base>/api/v1/query?query=...&time=<unix seconds>&timeout=<ms>ms`, keeping a base URL's path prefix. */
export function instantQueryURL(query: InstantQuery, timeoutMs: number): URL {
  const base = query.prometheusURL.endsWith("/") ? query.prometheusURL : `${query.prometheusURL}/`;
  const url = new URL("api/v1/query", base);
  url.searchParams.set("query", query.query);
  url.searchParams.set("time", (query.at.getTime() / 1_000).toFixed(3));
  url.searchParams.set("timeout", `${Math.max(1, Math.round(timeoutMs))}ms`);
  return url;
}

/**
 * Evaluates one PromQL expression at one instant against the real Prometheus HTTP API and says what came back.
 * It never throws for anything Prometheus or the network does (those are results: QueryError, Unreachable);
 * it rejects only when `signal` aborts, so a stopping controller records nothing it did not measure.
 */
export async function queryInstant(query: InstantQuery, options: QueryOptions = {}): Promise<QueryResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  let url: URL;
  try {
    url = instantQueryURL(query, timeoutMs);
  } catch (err) {
    return { kind: "Unreachable", message: `${query.prometheusURL} is not a usable URL: ${messageOf(err)}` };
  }
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  try {
    const response = await doFetch(url, { signal, headers: { accept: "application/json" } });
    const body = await response.text();
    return interpretQueryResponse(response.status, body);
  } catch (err) {
    options.signal?.throwIfAborted();
    if (deadline.aborted) {
      return {
        kind: "Unreachable",
        message: `Prometheus at ${query.prometheusURL} did not answer within ${timeoutMs} ms`,
      };
    }
    return {
      kind: "Unreachable",
      message: `Prometheus at ${query.prometheusURL} could not be reached: ${messageOf(err)}`,
    };
  }
}

/** The most telling message of a fetch failure: undici hides the system error (ECONNREFUSED) in `cause`. */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" && !cause.message.includes(code)
      ? `${err.message} (${code}: ${cause.message})`
      : `${err.message} (${cause.message})`;
  }
  return err.message;
}
