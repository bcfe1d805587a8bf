// Scraping the operator's /metrics as Prometheus does in a cluster: over HTTPS, trusting the certificate the test
// gave the operator, with the bearer token of the local cluster's metrics-scraper ServiceAccount (bound to the
// shipped stagegate-metrics-reader ClusterRole by hack/manifests/local-metrics-scraper.yaml).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { kubectl } from "./cluster.js";

/** Where an operator serves /metrics, and the CA (here: the self-signed certificate) its certificate chains to. */
export interface MetricsEndpoint {
  url: string;
  caPem: string;
}

/**
 * Writes a self-signed certificate for 127.0.0.1 into `<dir>/tls.crt` and `tls.key` (the layout of
 * `--metrics-cert-dir`) and returns its PEM, which is also the CA a scraper trusts. Synchronous, so a process can
 * be started with it at once.
 */
export function writeSelfSignedMetricsCert(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const [certFile, keyFile] = [path.join(dir, "tls.crt"), path.join(dir, "tls.key")];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      "/CN=stagegate-metrics",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-days",
      "2",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return readFileSync(certFile, "utf8");
}

const tokens = new Map<string, Promise<string>>();

/**
 * A bearer token of a ServiceAccount (default: stagegate-system/metrics-scraper, which may read the metrics), from
 * the TokenRequest API; one per account per test process.
 */
export function serviceAccountToken(
  namespace = "stagegate-system",
  name = "metrics-scraper",
): Promise<string> {
  const key = `${namespace}/${name}`;
  let token = tokens.get(key);
  if (token === undefined) {
    token = kubectl("admin", ["-n", namespace, "create", "token", name, "--duration=1h"]).then((result) => {
      if (result.code !== 0) throw new Error(`kubectl create token ${key} failed: ${result.stderr}`);
      return result.stdout.trim();
    });
    tokens.set(key, token);
  }
  return token;
}

/** One scrape: the status and the body. `token: null` sends no Authorization header. */
export async function scrape(
  endpoint: MetricsEndpoint,
  token?: string | null,
): Promise<{ status: number; body: string }> {
  const bearer = token === undefined ? await serviceAccountToken() : token;
  return new Promise((resolve, reject) => {
    const req = https.get(
      endpoint.url,
      {
        ca: endpoint.caPem,
        agent: false,
        headers: bearer === null ? {} : { Authorization: `Bearer ${bearer}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
  });
}

/** The metrics text, as the metrics reader scrapes it; throws when the scrape is refused. */
export async function metricsText(endpoint: MetricsEndpoint): Promise<string> {
  const { status, body } = await scrape(endpoint);
  if (status !== 200) throw new Error(`scraping ${endpoint.url} answered ${status}: ${body}`);
  return body;
}
