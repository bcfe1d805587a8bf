// The operator as end-to-end tests run it: its own process, as the `operator` identity (exactly the RBAC
// config/rbac ships), watching one namespace, with its admission webhooks served over TLS and registered with the
// API server for that namespace only, so approvals and change requests go through the real webhook path.
import path from "node:path";
import { randomBytes } from "node:crypto";
import {
  createWebhookTls,
  writeOperatorCertDir,
  type WebhookTls,
} from "../../hack/local-cluster/webhook-tls.js";
import { findFreePort } from "../../hack/local-cluster/free-port.js";
import { registerLocalWebhooks, type RegisteredWebhooks } from "../../hack/local-cluster/webhooks.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath, testCluster } from "./cluster.js";
import { metricsText, type MetricsEndpoint } from "./operator-metrics.js";
import { startOperator, type OperatorProcess } from "./operator-process.js";

/** A running operator with its webhooks registered, and where its metrics are served. */
export interface E2eOperator {
  process: OperatorProcess;
  /** `https://127.0.0.1:<port>/metrics` (from the operator's own log line) and the CA to trust. */
  metrics: MetricsEndpoint;
  /** `https://127.0.0.1:<port>` of the admission webhooks, for tests that call them directly. */
  webhookUrl: string;
  /** The test CA that issued the webhooks' serving certificate, PEM. */
  webhookCaPem: string;
  /** Unregisters the webhooks, stops the operator and removes the certificates; safe to call after a failure. */
  stop(): Promise<void>;
}

/** How the namespace is labelled for this operator's webhooks and how their configurations are named. */
export interface E2eOperatorOptions {
  /** The label's value and the configurations' suffix; random unless given. */
  id?: string;
  /** The label's key; `stagegate.io/e2e` unless given. */
  labelKey?: string;
  /** The configurations are named `<namePrefix>-<id>`; `e2e` unless given. */
  namePrefix?: string;
  /** More `stagegate run` flags, for example `--commit-authors-config=FILE`. */
  flags?: string[];
  /** How often the admission guard checks; 2s unless given. */
  admissionGuardInterval?: string;
  /** The closed-object policy (and binding) the guard checks; the shipped one unless given. */
  closedObjectsPolicy?: string;
}

/**
 * Labels `namespace` so only it is sent to this operator's webhooks, starts `stagegate run` as the operator
 * identity with webhooks on, registers the shipped webhook configurations pointed at it, and waits until every
 * informer has synced.
 */
export async function startE2eOperator(
  admin: KubeClient,
  namespace: string,
  options: E2eOperatorOptions = {},
): Promise<E2eOperator> {
  const id = options.id ?? randomBytes(3).toString("hex");
  const label = { [options.labelKey ?? "stagegate.io/e2e"]: id };
  await admin.patch(
    builtin.namespace,
    namespace,
    undefined,
    { metadata: { labels: label } },
    { type: "merge" },
  );

  let tls: WebhookTls | undefined;
  let operator: OperatorProcess | undefined;
  let webhooks: RegisteredWebhooks | undefined;
  const stop = async (): Promise<void> => {
    await webhooks?.unregister();
    await operator?.stop();
    await tls?.remove();
  };
  try {
    tls = await createWebhookTls();
    const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
    const configurations = `${options.namePrefix ?? "e2e"}-${id}`;
    const port = await findFreePort();
    operator = startOperator(kubeconfigPath("operator"), [
      `--namespace=${namespace}`,
      "--leader-elect=false",
      `--webhook-bind-address=127.0.0.1:${port}`,
      `--webhook-cert-dir=${certDir}`,
      ...(options.flags ?? []),
      `--webhook-client-ca-file=${webhookClientCaFile()}`,
      // The admission guard checks exactly what registerLocalWebhooks registers below.
      "--admission-guard=true",
      `--admission-guard-interval=${options.admissionGuardInterval ?? "2s"}`,
      `--webhook-url=https://127.0.0.1:${port}`,
      `--webhook-namespace-selector=${JSON.stringify({ matchLabels: label })}`,
      `--mutating-webhook-configuration=${configurations}-stagegate-mutating-webhooks`,
      `--validating-webhook-configuration=${configurations}-stagegate-validating-webhooks`,
      ...(options.closedObjectsPolicy === undefined
        ? []
        : [`--closed-objects-policy=${options.closedObjectsPolicy}`]),
    ]);
    const serving = await operator.waitForLog("Serving admission webhooks");
    const webhookUrl = `https://127.0.0.1:${Number(serving.webhookPort)}`;
    webhooks = await registerLocalWebhooks(admin, {
      name: configurations,
      baseUrl: webhookUrl,
      caBundle: tls.caBundle,
      namespaceLabels: label,
    });
    const metrics = await operator.waitForLog("Serving probes and metrics");
    await operator.waitForLog("Synced every informer cache");
    return {
      process: operator,
      metrics: {
        url: `https://127.0.0.1:${Number(metrics.metricsPort)}/metrics`,
        caPem: operator.metricsCaPem,
      },
      webhookUrl,
      webhookCaPem: tls.caPem,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The CA of the client certificate the test cluster's API server presents to admission webhooks, which the
 * operator requires of every webhook caller.
 */
export function webhookClientCaFile(): string {
  const file = testCluster().webhookClientCaFile;
  if (file === undefined) {
    throw new Error(
      "The test cluster was started before its API server authenticated to webhooks (no webhookClientCaFile " +
        "in cluster.json). Run `make cluster-down && make cluster-up`.",
    );
  }
  return file;
}

/**
 * The value of one sample of the operator's /metrics (`name{labels}`), scraped as the metrics reader, or undefined
 * when it is not exported.
 */
export async function scrapeMetric(
  endpoint: MetricsEndpoint,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const text = await metricsText(endpoint);
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = new Map(
      [...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}
