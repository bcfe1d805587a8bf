import path from "node:path";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import type { SecureMetricsServing } from "../runtime/manager.js";
import { apiServerMetricsAuthorizer } from "../runtime/metrics-authorization.js";
import { loadServingCertificate, type ServingCertificateSource } from "../runtime/serving-certificate.js";
import { ConfigError, type RunConfig } from "./config.js";

/**
 * How /metrics is served: over HTTPS with the certificate of `--metrics-cert-dir` (or, without it and with
 * `--cert-source=operator`, the operator's own), authorised through the API server (the default), or undefined for plain HTTP when `--metrics-secure=false` says so (logged as a warning)
 * or when metrics are off. A certificate that does not load stops the start with the fix.
 */
export async function secureMetricsServing(
  config: RunConfig,
  client: KubeClient,
  log: Logger,
  /** The webhooks' certificate, served when no --metrics-cert-dir is given with --cert-source=operator. */
  certificates: ServingCertificateSource,
): Promise<SecureMetricsServing | undefined> {
  if (config.metricsAddress === "0") return undefined;
  if (!config.metricsSecure) {
    log.warn(
      { metricsAddress: config.metricsAddress },
      "Serving /metrics over plain HTTP to any caller: --metrics-secure=false is for local development only",
    );
    return undefined;
  }
  const authorizer = apiServerMetricsAuthorizer(client.transport);
  if (config.metricsCertDir === undefined) return { certificates, authorizer };
  const files = {
    certFile: path.join(config.metricsCertDir, "tls.crt"),
    keyFile: path.join(config.metricsCertDir, "tls.key"),
  };
  try {
    await loadServingCertificate(files);
  } catch (err) {
    throw new ConfigError(
      `cannot serve /metrics over HTTPS: ${(err as Error).message}. Put tls.crt and tls.key in ` +
        "--metrics-cert-dir (default: --webhook-cert-dir), pass --metrics-bind-address=0 to disable metrics, or " +
        "--metrics-secure=false to serve them over plain HTTP to anyone (local development only).",
    );
  }
  return { ...files, authorizer };
}
