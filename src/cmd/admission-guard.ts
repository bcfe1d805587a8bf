import type { Registry } from "prom-client";
import {
  startAdmissionGuard,
  type AdmissionGuard,
  type AdmissionGuardOptions,
} from "../controllers/admission-guard/guard.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { webhookTarget } from "./certificates.js";
import type { RunConfig } from "./config.js";

/**
 * Starts the admission guard (unless `--admission-guard=false`): every path of WEBHOOK_ROUTES must be called by the
 * configured webhook configurations at `--webhook-url` or `--webhook-service`, with a caBundle that verifies the
 * certificate this replica serves (from `--cert-source`, so a rotation is followed), and the closed-object policy
 * must be bound. See docs/operator.md.
 */
export async function startAdmissionGuardFor(
  config: RunConfig,
  deps: {
    client: KubeClient;
    log: Logger;
    registry: Registry;
    onChange?: AdmissionGuardOptions["onChange"];
    /** The PEM of the certificate this replica serves now, which every caBundle must verify. */
    servingCertPem: () => string;
  },
): Promise<AdmissionGuard | undefined> {
  if (!config.admissionGuard) {
    deps.log.warn({}, "Not checking the admission controls: --admission-guard=false");
    return undefined;
  }
  // The webhooks' routes name the paths; their modules are loaded only where the guard runs (ADR 0034).
  const { WEBHOOK_ROUTES } = await import("../webhooks/server.js");
  const { servingCertPem, ...rest } = deps;
  return startAdmissionGuard({
    ...rest,
    expected: {
      mutatingConfiguration: config.mutatingWebhookConfiguration,
      validatingConfiguration: config.validatingWebhookConfiguration,
      paths: Object.keys(WEBHOOK_ROUTES),
      target: webhookTarget(config),
      namespaceSelector: config.webhookNamespaceSelector,
      closedObjectsPolicy: config.closedObjectsPolicy,
    },
    servingCertPem: () => Promise.resolve(servingCertPem()),
    intervalMs: config.admissionGuardIntervalMs,
  });
}
