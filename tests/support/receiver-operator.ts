// The operator as its own process serving its event receivers (POST /alertmanager, POST /pipeline-events) over
// HTTPS on a free port: a serving certificate from a fresh test CA, a bearer-token file per receiver, and the
// watched namespace given. The receivers that get no tokens stay off.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createWebhookTls,
  writeOperatorCertDir,
  type WebhookTls,
} from "../../hack/local-cluster/webhook-tls.js";
import { kubeconfigPath } from "./cluster.js";
import { startOperator, type OperatorProcess } from "./operator-process.js";
import type { ReceiverEndpoint } from "./receiver-client.js";
import { scopedTokenFile, scopeTokens, type TestToken } from "./scoped-tokens.js";

/** What the operator serves and watches. */
export interface ReceiverOperatorOptions {
  /** The one namespace it watches. */
  namespace: string;
  /**
   * The accepted bearer tokens per receiver; a receiver left out is off. A bare token is named `am-<n>` or `ci-<n>`
   * (its place in the list, from 1) and scoped to `namespace`.
   */
  tokens: { alertmanager?: (string | TestToken)[]; pipelineEvents?: (string | TestToken)[] };
  /** The controller whose workers must have started before the operator counts as ready. */
  readyController: string;
  /** The operator identity's kubeconfig; the test cluster's unless given. */
  kubeconfig?: string;
}

/** A running operator serving its event receivers. */
export interface ReceiverOperator {
  process: OperatorProcess;
  /** The test CA and serving certificate; its folder also holds the token files. */
  tls: WebhookTls;
  /** Where the event receivers are served. */
  endpoint: ReceiverEndpoint;
  /** The port of /metrics and the probes. */
  metricsPort: number;
}

/**
 * Starts the operator with its event receivers on and waits until they are served and the workers of
 * `readyController` have started. The caller stops the process and removes `tls`; on a failed start the process
 * is stopped here and the certificate folder is kept for the logs.
 */
export async function startReceiverOperator(options: ReceiverOperatorOptions): Promise<ReceiverOperator> {
  const tls = await createWebhookTls();
  const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
  const flags = [
    `--namespace=${options.namespace}`,
    "--leader-elect=false",
    "--events-bind-address=127.0.0.1:0",
    `--webhook-cert-dir=${certDir}`,
  ];
  const tokenFiles: [
    tokens: (string | TestToken)[] | undefined,
    prefix: string,
    file: string,
    flag: string,
  ][] = [
    [options.tokens.alertmanager, "am", "alertmanager-tokens", "--alertmanager-token-file"],
    [options.tokens.pipelineEvents, "ci", "pipeline-tokens", "--pipeline-events-token-file"],
  ];
  for (const [tokens, prefix, file, flag] of tokenFiles) {
    if (tokens === undefined) continue;
    const tokenFile = path.join(tls.dir, file);
    await writeFile(tokenFile, scopedTokenFile(scopeTokens(tokens, prefix, options.namespace)));
    flags.push(`${flag}=${tokenFile}`);
  }
  const operator = startOperator(options.kubeconfig ?? kubeconfigPath("operator"), flags);
  try {
    const port = Number((await operator.waitForLog("Serving event receivers")).eventsPort);
    const metricsPort = Number((await operator.waitForLog("Serving probes and metrics")).metricsPort);
    await operator.waitForLog("Started workers", { controller: options.readyController });
    return { process: operator, tls, endpoint: { port, caPem: tls.caPem }, metricsPort };
  } catch (err) {
    await operator.stop();
    throw err;
  }
}
