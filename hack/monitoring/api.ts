import { MonitoringError } from "./errors.js";

/** One series of an instant-vector query result from `GET /api/v1/query`. */
export interface VectorSample {
  readonly metric: Record<string, string>;
  /** `[unix seconds, value as a string]`, as Prometheus sends it. */
  readonly value: readonly [number, string];
}

/** One alert from Prometheus's `GET /api/v1/alerts`. */
export interface PrometheusAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: "pending" | "firing" | "inactive";
  readonly activeAt?: string;
  readonly value: string;
}

/** An alert as Alertmanager's `POST /api/v2/alerts` takes it. */
export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** RFC 3339. Default: when Alertmanager receives it. */
  readonly startsAt?: string;
  /** RFC 3339; a time in the past resolves the alert. */
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

/** Reads a Prometheus API envelope (`{status, data}`), throwing with the error Prometheus gave. */
async function readEnvelope<T>(response: Response, what: string): Promise<T> {
  const body = (await response.json()) as { status?: string; data?: T; error?: string };
  if (!response.ok || body.status !== "success" || body.data === undefined) {
    throw new MonitoringError(`${what} answered ${response.status}: ${body.error ?? JSON.stringify(body)}`);
  }
  return body.data;
}

/** Runs an instant PromQL query through the real HTTP API and returns its vector result. */
export async function queryPrometheus(prometheusUrl: string, promql: string): Promise<VectorSample[]> {
  const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const data = await readEnvelope<{ resultType: string; result: VectorSample[] }>(response, `GET ${url}`);
  if (data.resultType !== "vector") {
    throw new MonitoringError(`Expected a vector from ${promql}, got a ${data.resultType}.`);
  }
  return data.result;
}

/** The pending and firing alerts Prometheus holds now (`GET /api/v1/alerts`). */
export async function prometheusAlerts(prometheusUrl: string): Promise<PrometheusAlert[]> {
  const url = `${prometheusUrl}/api/v1/alerts`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await readEnvelope<{ alerts: PrometheusAlert[] }>(response, `GET ${url}`)).alerts;
}

/**
 * Posts alerts straight to Alertmanager (`POST /api/v2/alerts`), as Prometheus would, for tests that need a
 * notification without waiting for a rule to fire.
 */
export async function postAlerts(alertmanagerUrl: string, alerts: readonly PostableAlert[]): Promise<void> {
  const url = `${alertmanagerUrl}/api/v2/alerts`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(alerts),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    throw new MonitoringError(`POST ${url} answered ${response.status}: ${await response.text()}`);
  }
}
