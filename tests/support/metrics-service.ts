import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { Counter, Registry } from "prom-client";

/** How the test service starts. */
export interface MetricsServiceOptions {
  /** Share of requests answered 500, between 0 and 1. Default 0. */
  readonly errorRate?: number;
  /** Requests per second the service sends itself, so its counters move; 0 turns the traffic off. Default 20. */
  readonly requestsPerSecond?: number;
}

/** A running test service, as returned by {@link startMetricsService}. */
export interface MetricsService {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>`, the form a Prometheus scrape target takes. */
  readonly target: string;
  /** The share of requests answered 500 from now on. */
  readonly errorRate: number;
  /** Changes the share of requests answered 500 (0 to 1); it applies to the next request. */
  setErrorRate(rate: number): void;
  /** Sends `count` real requests to `/work` and returns their status codes. */
  sendRequests(count: number): Promise<number[]>;
  /** `http_requests_total` by status code, as the service will report it at the next scrape. */
  requestCounts(): Promise<Record<string, number>>;
  /** Stops the traffic and the server; rethrows the first error the traffic loop met. */
  close(): Promise<void>;
}

/** Throws unless `rate` is a share between 0 and 1. */
function assertRate(rate: number): void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`An error rate is between 0 and 1, got ${rate}.`);
}

/**
 * Starts a small HTTP service on 127.0.0.1 with a `/work` endpoint that fails a chosen share of requests
 * (exactly: every request adds the rate to a budget and fails when the budget reaches 1) and a `/metrics`
 * endpoint in the Prometheus text format, counting requests in `http_requests_total{code}`. By default it
 * sends itself steady traffic so a scraping Prometheus sees rates move as soon as the error rate changes.
 */
export async function startMetricsService(options: MetricsServiceOptions = {}): Promise<MetricsService> {
  let errorRate = options.errorRate ?? 0;
  assertRate(errorRate);
  let errorBudget = 0;
  const registry = new Registry();
  const requests = new Counter({
    name: "http_requests_total",
    help: "Requests to /work by HTTP status code.",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  // Both series exist from the start, so rate() sees the first error as an increase from 0.
  for (const code of ["200", "500"]) requests.labels(code).inc(0);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.url === "/metrics") {
      const text = await registry.metrics();
      response.writeHead(200, { "content-type": registry.contentType }).end(text);
      return;
    }
    if (request.url === "/work") {
      errorBudget += errorRate;
      const failed = errorBudget >= 1;
      if (failed) errorBudget -= 1;
      const code = failed ? 500 : 200;
      requests.labels(String(code)).inc();
      response.writeHead(code, { "content-type": "text/plain" }).end(failed ? "failed\n" : "ok\n");
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const sendRequests = async (count: number): Promise<number[]> => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${url}/work`, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      statuses.push(response.status);
    }
    return statuses;
  };

  const stopTraffic = new AbortController();
  const requestsPerSecond = options.requestsPerSecond ?? 20;
  const traffic = requestsPerSecond > 0 ? driveTraffic(requestsPerSecond) : Promise.resolve();
  let trafficError: unknown;
  traffic.catch((error: unknown) => (trafficError = error));

  /** Sends a tenth of the per-second traffic every 100 ms until the service closes. */
  async function driveTraffic(perSecond: number): Promise<void> {
    const perTick = Math.max(1, Math.round(perSecond / 10));
    while (!stopTraffic.signal.aborted) {
      await sendRequests(perTick);
      await delay(100, undefined, { signal: stopTraffic.signal }).catch(() => undefined);
    }
  }

  return {
    url,
    target: `127.0.0.1:${port}`,
    get errorRate() {
      return errorRate;
    },
    setErrorRate(rate) {
      assertRate(rate);
      errorRate = rate;
      errorBudget = 0;
    },
    sendRequests,
    async requestCounts() {
      const metric = await requests.get();
      return Object.fromEntries(metric.values.map((v) => [String(v.labels.code), v.value]));
    },
    async close() {
      stopTraffic.abort();
      await traffic.catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      if (trafficError !== undefined) {
        throw new Error("The test service's own traffic failed.", { cause: trafficError });
      }
    },
  };
}
