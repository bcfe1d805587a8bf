import { X509Certificate } from "node:crypto";
import path from "node:path";
import { Gauge, type Registry } from "prom-client";
import type { WebhookTarget } from "../controllers/admission-guard/admission-controls.js";
import type { ControllerDeps } from "../controllers/deps.js";
import type { WebhookCertificateOptions } from "../controllers/webhook-certificate/controller.js";
import type { Controller } from "../runtime/controller.js";
import type { Informer } from "../runtime/informer/informer.js";
import type { ReadinessCheck } from "../runtime/manager.js";
import { watchCertificateFiles, type ServingCertificateSource } from "../runtime/serving-certificate.js";
import { ConfigError, type RunConfig } from "./config.js";

/** How often certificate files are checked for rotation (`--cert-source=files`). */
const CERT_FILE_RELOAD_INTERVAL_MS = 10_000;

/** The serving certificate of this replica and, with `--cert-source=operator`, what manages it. */
export interface ServingCertificates {
  /** What the webhooks, receivers (and metrics, unless --metrics-cert-dir) serve. */
  source: ServingCertificateSource;
  /** Informers the manager runs on every replica (the Secret and the two webhook configurations). */
  informers: Informer[];
  /** The leader's certificate controller, when the operator manages the certificate. */
  controller?: Controller;
  /** `/readyz` waits until a certificate is served. */
  readiness: ReadinessCheck;
  /** The PEM of the certificate served now ("" before there is one), for the admission guard. */
  servingCertPem: () => string;
  close: () => void;
}

/** Where the operator's webhooks are called, as the configuration says (a URL in local runs, else the Service). */
export function webhookTarget(config: RunConfig): WebhookTarget {
  const [namespace = "", name = ""] = config.webhookService.split("/");
  return config.webhookUrl === undefined
    ? { service: { namespace, name } }
    : { url: config.webhookUrl.replace(/\/$/, "") };
}

/** The certificate options of `--cert-*` for the leader's controller. */
export function certificateOptions(config: RunConfig): WebhookCertificateOptions {
  return {
    secret: { namespace: config.certNamespace, name: config.certSecret },
    configurations: {
      mutating: config.mutatingWebhookConfiguration,
      validating: config.validatingWebhookConfiguration,
    },
    target: webhookTarget(config),
    policy: {
      hosts: config.certDnsNames,
      caValidityMs: config.certCaValidityMs,
      caRenewBeforeMs: config.certCaRenewBeforeMs,
      certValidityMs: config.certValidityMs,
      certRenewBeforeMs: config.certRenewBeforeMs,
    },
  };
}

/** Exports when the served certificate ends, so an alert (and `stagegate check`) can see it coming. */
function expiryGauge(registry: Registry, source: ServingCertificateSource): void {
  new Gauge({
    name: "stagegate_serving_certificate_expiry_timestamp_seconds",
    help: "When the serving certificate of the webhooks and receivers expires (Unix seconds); absent before one is served",
    registers: [registry],
    collect() {
      this.reset();
      const pair = source.current();
      if (pair !== undefined) this.set(new X509Certificate(pair.cert).validToDate.getTime() / 1000);
    },
  });
}

/**
 * The serving certificate as `--cert-source` says: the files of `--webhook-cert-dir` (reloaded when rotated; a
 * pair that does not load stops the start), or the Secret `--cert-secret`, which every replica watches and serves
 * and the leader keeps issued, rotated and injected (see createWebhookCertificateController).
 */
export async function servingCertificates(
  config: RunConfig,
  deps: ControllerDeps,
): Promise<ServingCertificates> {
  const pem = (source: ServingCertificateSource) => () => source.current()?.cert.toString("utf8") ?? "";
  if (config.certSource === "files" && config.webhookAddress === "0" && config.eventsAddress === "0") {
    // Nothing serves it (/metrics has --metrics-cert-dir of its own): none is read.
    return {
      source: { description: "none", current: () => undefined, subscribe: () => () => undefined },
      informers: [],
      readiness: { name: "no serving certificate", ready: () => true },
      servingCertPem: () => "",
      close: () => undefined,
    };
  }
  if (config.certSource === "files") {
    const files = {
      certFile: path.join(config.webhookCertDir, "tls.crt"),
      keyFile: path.join(config.webhookCertDir, "tls.key"),
    };
    let source;
    try {
      source = await watchCertificateFiles(files, {
        intervalMs: CERT_FILE_RELOAD_INTERVAL_MS,
        log: deps.log,
      });
    } catch (err) {
      throw new ConfigError(
        `cannot load the serving certificate: ${(err as Error).message}. Put tls.crt and tls.key in ` +
          "--webhook-cert-dir, or pass --cert-source=operator to let the operator issue and rotate it.",
      );
    }
    expiryGauge(deps.metrics.registry, source);
    return {
      source,
      informers: [],
      readiness: { name: "no serving certificate", ready: () => true },
      servingCertPem: pem(source),
      close: () => source.stop(),
    };
  }
  // The certificate controller (and its X.509 issuer) is loaded only where the operator manages the certificate.
  const [
    { createWebhookCertificateController, createWebhookCertificateInformers },
    { SecretCertificateSource },
  ] = await Promise.all([
    import("../controllers/webhook-certificate/controller.js"),
    import("../runtime/secret-certificate-source.js"),
  ]);
  const options = certificateOptions(config);
  const informers = createWebhookCertificateInformers(deps, options);
  const source = new SecretCertificateSource(informers.secret, options.secret, deps.log);
  expiryGauge(deps.metrics.registry, source);
  deps.log.info(
    { secret: source.description, hosts: options.policy.hosts },
    "Serving the certificate the operator manages in its Secret",
  );
  return {
    source,
    informers: [informers.secret, informers.mutating, informers.validating],
    controller: createWebhookCertificateController(deps, informers, options),
    readiness: {
      name: `no serving certificate in ${source.description} yet`,
      ready: () => source.current() !== undefined,
    },
    servingCertPem: pem(source),
    close: () => undefined,
  };
}
