import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { Informer } from "../../runtime/informer/informer.js";
import { isConflict, isForbidden, isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { builtin, type ResourceType } from "../../runtime/kube/resource.js";
import { secretData } from "../../runtime/secret-certificate-source.js";
import type { WebhookTarget } from "../admission-guard/admission-controls.js";
import { admissionResources } from "../admission-guard/guard.js";
import type { ControllerDeps } from "../deps.js";
import { caInjection, everyCaBundleHolds } from "./ca-injection.js";
import { readCertificateSet, SECRET_KEYS } from "./certificate-set.js";
import { decideCertificates, type CertificatePlan, type CertificatePolicy } from "./decide.js";
import { materializeCertificates } from "./materialize.js";

/** The field manager of the certificate Secret's data and of the caBundles it injects. */
export const CERTIFICATE_FIELD_MANAGER = "stagegate-webhook-certificates";

/** Looked at again at least this often, and never sooner than this after a pass. */
const MAX_RECHECK_MS = 60 * 60_000;
const MIN_RECHECK_MS = 1_000;
const CONFLICT_RETRY_MS = 200;

/** Which certificates the operator manages and where it injects their CA. */
export interface WebhookCertificateOptions {
  /** The Secret holding the CAs and the serving certificate, in the operator's namespace. */
  secret: { namespace: string; name: string };
  /** The only webhook configurations whose caBundle the operator writes (RBAC allows these names only). */
  configurations: { mutating: string; validating: string };
  /** Where this operator's webhooks are called: only entries calling it get its CA. */
  target: WebhookTarget;
  policy: CertificatePolicy;
}

/** The informers of the certificate Secret and the two owned webhook configurations, each watching one object. */
export interface WebhookCertificateInformers {
  secret: Informer;
  mutating: Informer;
  validating: Informer;
}

function byName(deps: ControllerDeps, resource: ResourceType, name: string, namespace?: string): Informer {
  return new Informer({
    client: deps.client,
    resource,
    ...(namespace === undefined ? {} : { namespace }),
    // One object by name: the RBAC for it can name it (resourceNames), unlike a list of all of its kind.
    fieldSelector: `metadata.name=${name}`,
    log: deps.log,
    metrics: deps.metrics.informer,
    resyncMs: deps.informer.resyncMs,
    stallTimeoutMs: deps.informer.stallTimeoutMs,
  });
}

/** Builds the informers; every replica runs them (the Secret's serves the certificate), the leader reconciles. */
export function createWebhookCertificateInformers(
  deps: ControllerDeps,
  options: WebhookCertificateOptions,
): WebhookCertificateInformers {
  return {
    secret: byName(deps, builtin.secret, options.secret.name, options.secret.namespace),
    mutating: byName(deps, admissionResources.mutating, options.configurations.mutating),
    validating: byName(deps, admissionResources.validating, options.configurations.validating),
  };
}

/**
 * The webhook certificate controller (leader only): keeps a CA and a serving certificate in the Secret, rotating
 * them as {@link decideCertificates} says, and writes the CA bundle into the caBundle of the entries of the two
 * owned webhook configurations that call this operator. Every replica serves what the Secret holds (see
 * SecretCertificateSource), so the leader never talks to the others. Each change is logged and recorded as an Event
 * on the Secret; a Secret the operator may not create is an error that names the fix.
 */
export function createWebhookCertificateController(
  deps: ControllerDeps,
  informers: WebhookCertificateInformers,
  options: WebhookCertificateOptions,
): Controller {
  const { client, clock, events } = deps;
  const key = `${options.secret.namespace}/${options.secret.name}`;
  const ownedConfigurations = (): KubeObject[] =>
    [
      informers.mutating.store.get(options.configurations.mutating),
      informers.validating.store.get(options.configurations.validating),
    ].filter((obj): obj is KubeObject => obj !== undefined);

  async function writeSecret(
    current: KubeObject | undefined,
    data: Record<string, string>,
    signal: AbortSignal,
  ): Promise<KubeObject> {
    const encoded = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
    );
    if (current === undefined) {
      try {
        return await client.create(
          builtin.secret,
          {
            apiVersion: "v1",
            kind: "Secret",
            type: "Opaque",
            metadata: {
              ...options.secret,
              labels: { "app.kubernetes.io/name": "stagegate", "app.kubernetes.io/component": "webhook" },
            },
            data: encoded,
          },
          options.secret.namespace,
          { signal },
        );
      } catch (err) {
        if (!isForbidden(err)) throw err;
        throw new Error(
          `Secret ${key} does not exist and the operator may not create it (its RBAC names that one Secret, for ` +
            "get, update and patch only): create it empty, as the chart and config/default do " +
            `(kubectl -n ${options.secret.namespace} create secret generic ${options.secret.name}).`,
          { cause: err },
        );
      }
    }
    // The data is the operator's alone: keys it no longer holds are removed; the resourceVersion pins the write.
    const removed = Object.keys(secretData(current)).filter((k) => !(k in data));
    return client.patch(
      builtin.secret,
      options.secret.name,
      options.secret.namespace,
      {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        data: { ...encoded, ...Object.fromEntries(removed.map((k) => [k, null])) },
      },
      { type: "merge", fieldManager: CERTIFICATE_FIELD_MANAGER, signal },
    );
  }

  async function report(plan: CertificatePlan, secret: KubeObject, req: ReconcileRequest): Promise<void> {
    for (const change of plan.changes) {
      const fields = { secret: key, reason: change.reason, detail: change.message };
      if (change.warning) req.log.warn(fields, "Repaired or rotated the webhook certificates out of turn");
      else req.log.info(fields, "Rotated the webhook certificates");
      await events.record(
        builtin.secret,
        secret,
        { type: change.warning ? "Warning" : "Normal", reason: change.reason, message: change.message },
        { signal: req.signal },
      );
    }
  }

  /** Writes the bundle where it is missing; false when a configuration changed meanwhile (decide again). */
  async function inject(caBundle: string, req: ReconcileRequest): Promise<boolean> {
    const types = [
      [admissionResources.mutating, informers.mutating.store.get(options.configurations.mutating)],
      [admissionResources.validating, informers.validating.store.get(options.configurations.validating)],
    ] as const;
    for (const [type, configuration] of types) {
      if (configuration === undefined) continue; // not installed (yet): the guard reports it
      const { patch, foreign } = caInjection(configuration, caBundle, options.target);
      if (foreign.length > 0) {
        req.log.warn(
          { kind: type.kind, configuration: configuration.metadata.name, entries: foreign },
          "Left entries that call something other than this operator without its CA",
        );
      }
      if (patch === undefined) continue;
      try {
        await client.patch(type, configuration.metadata.name, undefined, patch, {
          type: "json",
          fieldManager: CERTIFICATE_FIELD_MANAGER,
          signal: req.signal,
        });
      } catch (err) {
        if (isNotFound(err)) continue;
        if (isConflict(err)) return false;
        throw err;
      }
      req.log.info(
        { kind: type.kind, configuration: configuration.metadata.name },
        "Injected the CA bundle into a webhook configuration",
      );
    }
    return true;
  }

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const current = informers.secret.store.get(key);
    const set = readCertificateSet(secretData(current));
    const now = clock.now();
    const plan = decideCertificates({
      set,
      now,
      policy: options.policy,
      nextCaInjected:
        set.next !== undefined && everyCaBundleHolds(ownedConfigurations(), set.next.cert, options.target),
    });
    const data = materializeCertificates(plan, options.policy);
    const stored = secretData(current);
    const changed =
      current === undefined ||
      Object.keys(stored).length !== Object.keys(data).length ||
      Object.entries(data).some(([k, v]) => stored[k] !== v);
    if (changed) {
      let written: KubeObject;
      try {
        written = await writeSecret(current, data, req.signal);
      } catch (err) {
        // The cache was behind the Secret (often: behind this controller's own last write). Decide again on the
        // version the watch brings, rather than on what was read.
        if (isConflict(err)) return { requeueAfterMs: CONFLICT_RETRY_MS };
        throw err;
      }
      await report(plan, written, req);
    }
    if (!(await inject(Buffer.from(data[SECRET_KEYS.caBundle] ?? "").toString("base64"), req))) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    const wait = plan.recheckAt.getTime() - now.getTime();
    return { requeueAfterMs: Math.min(MAX_RECHECK_MS, Math.max(MIN_RECHECK_MS, wait)) };
  }

  const toSecret = (): string[] => [key];
  return new Controller(
    {
      name: "webhook-certificate",
      primary: informers.secret,
      reconcile,
      initialKeys: [key],
      watches: [
        { informer: informers.mutating, toKeys: toSecret },
        { informer: informers.validating, toKeys: toSecret },
      ],
    },
    deps.log,
    deps.metrics,
  );
}
