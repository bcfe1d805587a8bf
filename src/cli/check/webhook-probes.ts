import { API_VERSION } from "../../api/v1alpha1/group.js";
import { resources } from "../../controllers/resources.js";
import { ApiError, isForbidden, isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { collectionPath } from "../../runtime/kube/resource.js";
import { serverMessage } from "../errors.js";

/** The name of every probe object; none is ever stored (dry runs, or a request the webhook refuses). */
export const PROBE_NAME = "stagegate-check-probe";

/** The operator's rule the refused probe must meet: an Emergency change that expired long ago, for no Environment. */
export const PROBE_RULE = "EmergencyExpiry";

/**
 * A ChangeRequest for the probes. The valid one must come back from the mutating webhook with its requester
 * stamped; the emergency one, expired in 2000 and for an Environment that does not exist, must be refused by the
 * validating webhook (EmergencyExpiry) after the CRD's own rules have passed it.
 */
export function probeChangeRequest(namespace: string, refused: boolean): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: "ChangeRequest",
    metadata: { name: PROBE_NAME, namespace, labels: { "app.kubernetes.io/managed-by": "stagegate-check" } },
    spec: {
      releaseRef: { name: PROBE_NAME },
      environment: PROBE_NAME,
      type: refused ? "Emergency" : "Normal",
      justification: "stagegate check: a probe of the admission webhooks; never stored.",
      plannedWindow: { start: "2000-01-01T00:00:00Z", end: "2000-01-01T01:00:00Z" },
      ...(refused
        ? { emergency: { reason: "stagegate check probe.", expiresAt: "2000-01-01T00:00:00Z" } }
        : {}),
    },
  };
}

/** How the API server answered a probe. */
export type ProbeOutcome =
  /** Stored (or, for a dry run, would be): the object as returned. */
  | { kind: "admitted"; object: unknown }
  /** Refused by the operator's webhook with the probe's rule. */
  | { kind: "refusedByOperator"; message: string }
  /** The API server could not call the webhook (unreachable, TLS, timeout); failurePolicy Fail refused it. */
  | { kind: "webhookFailed"; message: string; fix: string }
  /** Refused before any webhook could judge it: RBAC, a missing namespace, the CRD's own rules. */
  | { kind: "notProbed"; message: string; fix: string }
  /** Refused, but by something other than the operator's rule. */
  | { kind: "refusedOtherwise"; message: string };

/** What to do about a webhook the API server could not call, from the API server's own words. */
export function diagnoseWebhookCall(message: string): string {
  if (/certificate required|bad certificate|unknown certificate authority|handshake failure/i.test(message)) {
    return (
      "The webhook server refused the API server's client certificate (or it presented none): give kube-apiserver " +
      "a client certificate from the CA in the operator's --webhook-client-ca-file with " +
      '--admission-control-config-file (docs/operator.md, "Who may call the webhooks").'
    );
  }
  if (/x509|failed to verify certificate|certificate signed by unknown authority/i.test(message)) {
    return (
      "The API server does not trust the webhook's serving certificate: set the caBundle of both webhook " +
      "configurations to the CA that signed it (docs/webhooks.md, Installing)."
    );
  }
  return (
    "The API server cannot reach the operator's webhook server: check that the operator runs and is Ready, and " +
    "that the Service or URL in the webhook configurations is the operator's."
  );
}

/** Classifies an API error from a probe. */
export function classifyProbeError(err: ApiError): ProbeOutcome {
  const said = serverMessage(err);
  if (/denied the request/.test(said) && said.includes(`${PROBE_RULE}:`)) {
    return { kind: "refusedByOperator", message: said };
  }
  if (/failed calling webhook/.test(said)) {
    return { kind: "webhookFailed", message: said, fix: diagnoseWebhookCall(said) };
  }
  if (isForbidden(err) && / cannot create resource /.test(said)) {
    return {
      kind: "notProbed",
      message: `You may not create ChangeRequests there, even as a dry run (${said}).`,
      fix: "Run stagegate check as a cluster administrator, or pass --probe-namespace NAME where you may.",
    };
  }
  if (isNotFound(err)) {
    return {
      kind: "notProbed",
      message: `The probe namespace does not exist (${said}).`,
      fix: "Pass --probe-namespace NAME with a namespace the webhooks are registered for.",
    };
  }
  return { kind: "refusedOtherwise", message: said };
}

/** Sends a probe ChangeRequest (as a server-side dry run unless `dryRun` is false) and classifies the answer. */
export async function sendProbe(
  client: KubeClient,
  namespace: string,
  refused: boolean,
  dryRun: boolean,
): Promise<ProbeOutcome> {
  try {
    const object = await client.transport.request({
      method: "POST",
      path: collectionPath(resources.changeRequest, namespace),
      query: dryRun ? { dryRun: "All" } : {},
      body: probeChangeRequest(namespace, refused),
    });
    return { kind: "admitted", object };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return classifyProbeError(err);
  }
}

/** The dry-run probe the validating webhook must refuse. */
export function probeValidatingWebhook(
  client: KubeClient,
  namespace: string,
  dryRun: boolean,
): Promise<ProbeOutcome> {
  return sendProbe(client, namespace, true, dryRun);
}

/** The user name the mutating webhook stamped on an admitted probe, if any. */
export function stampedRequester(object: unknown): string | undefined {
  const spec = (object as { spec?: { requestedBy?: { username?: unknown } } } | undefined)?.spec;
  const username = spec?.requestedBy?.username;
  return typeof username === "string" ? username : undefined;
}
