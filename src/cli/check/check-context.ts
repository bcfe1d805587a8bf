import type {
  ExpectedAdmissionControls,
  ObservedAdmissionControls,
} from "../../controllers/admission-guard/admission-controls.js";
import { readAdmissionControls } from "../../controllers/admission-guard/guard.js";
import { ApiError, TransportError, isForbidden } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { Identity } from "../../runtime/kube/self-review.js";
import { WEBHOOK_ROUTES } from "../../webhooks/server.js";
import { serverMessage } from "../errors.js";
import type { CheckOptions } from "./check-options.js";
import { errored, type CheckResult, type CheckVerdict } from "./check-result.js";
import { observeServingCertificate, type ServingCertificate } from "./serving-certificate.js";
import { probeValidatingWebhook, type ProbeOutcome } from "./webhook-probes.js";

/**
 * What every check may read: the client (as the user running the check), the options, the clock, who the user
 * is, and observations several checks share (read once per run).
 */
export interface CheckContext {
  readonly client: KubeClient;
  readonly options: CheckOptions;
  readonly now: Date;
  readonly user: Identity;
  /** What the operator's admission guard would expect, from the same flags and defaults. */
  readonly expected: ExpectedAdmissionControls;
  admissionControls(): Promise<Omit<ObservedAdmissionControls, "servingCertPem">>;
  servingCertificate(): Promise<ServingCertificate>;
  /** The dry-run ChangeRequest the validating webhook must refuse, sent once. */
  validatingProbe(): Promise<ProbeOutcome>;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** The admission controls the operator's guard expects, from the check's flags (the same as `stagegate run`'s). */
export function expectedAdmissionControls(options: CheckOptions): ExpectedAdmissionControls {
  return {
    mutatingConfiguration: options.mutatingWebhookConfiguration,
    validatingConfiguration: options.validatingWebhookConfiguration,
    paths: Object.keys(WEBHOOK_ROUTES),
    target:
      options.webhookUrl === undefined ? { service: options.webhookService } : { url: options.webhookUrl },
    namespaceSelector: options.webhookNamespaceSelector,
    closedObjectsPolicy: options.closedObjectsPolicy,
  };
}

/** Builds the context of one run. */
export function createCheckContext(
  client: KubeClient,
  options: CheckOptions,
  now: Date,
  user: Identity,
): CheckContext {
  const expected = expectedAdmissionControls(options);
  return {
    client,
    options,
    now,
    user,
    expected,
    admissionControls: once(() => readAdmissionControls(client, expected)),
    servingCertificate: once(() => observeServingCertificate(client, options)),
    validatingProbe: once(() => probeValidatingWebhook(client, options.probeNamespace, true)),
  };
}

/** One named check. */
export interface Check {
  readonly name: string;
  readonly title: string;
  run(ctx: CheckContext): Promise<CheckVerdict>;
}

/**
 * A verdict for a check that the API server would not answer: an error, with the server's words and, when RBAC
 * refused, who should run it.
 */
export function verdictForError(err: ApiError | TransportError): CheckVerdict {
  if (err instanceof TransportError) {
    return errored(`Could not be checked: the API server did not answer (${err.message}).`, undefined);
  }
  const said = serverMessage(err);
  if (isForbidden(err)) {
    return errored(
      `Could not be checked: the API server refused to show it to you (${said}).`,
      "Run stagegate check as a cluster administrator (it reads cluster-wide objects and RBAC).",
    );
  }
  return errored(`Could not be checked: the API server answered ${err.status} (${said}).`, undefined);
}

/**
 * Runs the checks one after the other (some depend on what another observed) and returns a result for each.
 * A check the API server would not answer is an `error`, never a pass; any other error is a bug and propagates.
 */
export async function runChecks(checks: readonly Check[], ctx: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    let verdict: CheckVerdict;
    try {
      verdict = await check.run(ctx);
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof TransportError)) throw err;
      verdict = verdictForError(err);
    }
    results.push({ name: check.name, title: check.title, ...verdict });
  }
  return results;
}
