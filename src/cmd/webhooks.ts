import { z } from "zod";
import { GateBinding } from "../api/v1alpha1/binding.js";
import { Declarer, declarersOf } from "../api/v1alpha1/declarer.js";
import { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import { teamRoleBindingSpecs, type TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
import type { AuditRecorder } from "../audit/recorder.js";
import type { Informers } from "../controllers/informers.js";
import type { RollbackSeal } from "../controllers/rollback/seal.js";
import type { CreatorSeal } from "../controllers/task-creator.js";
import { deliveryResources, resources } from "../controllers/resources.js";
import { releaseBindingMismatch } from "../controllers/change-control/separation-of-duties.js";
import type { TargetIdentity } from "../api/v1alpha1/binding.js";
import { isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { builtin } from "../runtime/kube/resource.js";
import { accessAllowed } from "../runtime/kube/subject-access-review.js";
import type { Logger } from "../runtime/logging.js";
import type { ServingCertificateSource } from "../runtime/serving-certificate.js";
import type { UserInfo } from "../webhooks/admission-review.js";
import { startWebhookServer, type WebhookServer } from "../webhooks/server.js";
import { ConfigError, type RunConfig } from "./config.js";

/**
 * Starts the admission webhooks on this replica (every replica serves them, leader or not), with the serving
 * certificate of `--cert-source` (reloaded when rotated), answering only callers with a
 * client certificate from `--webhook-client-ca-file` (the API server). Environments are read from
 * the informer cache once it has synced, and from the API server before that. Returns undefined when disabled.
 */
export async function startWebhooks(
  config: RunConfig,
  deps: {
    client: KubeClient;
    informers: Informers;
    audit: AuditRecorder;
    log: Logger;
    /** The operator's own user name once learned (a SelfSubjectReview): the webhooks trust exactly it. */
    operatorIdentity: () => string | undefined;
    /** The serving certificate (`--cert-source`): files, or the Secret the operator manages. */
    certificates: ServingCertificateSource;
    /** Seals DeploymentTask creator stamps with the operator's key (`--rollback-seal-key-file`). */
    creatorSeal: CreatorSeal;
    /** Verifies the seal of the Rollback tasks the operator opened (`--rollback-seal-key-file`). */
    rollbackSeal: Pick<RollbackSeal, "verify">;
  },
): Promise<WebhookServer | undefined> {
  if (config.webhookAddress === "0") return undefined;
  const { client, informers, audit, log } = deps;
  const lookupEnvironment = async (name: string): Promise<EnvironmentSpec | undefined> => {
    let spec: unknown;
    if (informers.environments.hasSynced()) {
      spec = informers.environments.store.get(name)?.spec;
    } else {
      try {
        spec = (await client.get(resources.environment, name)).spec;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    if (spec === undefined) return undefined;
    return EnvironmentSpec.parse(spec);
  };
  const lookupDeliveryLabels = async (
    target: TargetIdentity,
  ): Promise<Record<string, string> | undefined> => {
    const rt =
      target.kind === "Application"
        ? deliveryResources.argoCDApplication
        : target.kind === "HelmRelease"
          ? deliveryResources.fluxHelmRelease
          : deliveryResources.fluxKustomization;
    try {
      return (await client.get(rt, target.name, target.namespace)).metadata.labels ?? {};
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  // Namespaces and Releases from the cache once it has synced, live before that (as Environments above).
  const lookupNamespaceLabels = async (name: string): Promise<Record<string, string> | undefined> => {
    const cached = informers.namespaces.hasSynced()
      ? informers.namespaces.store.get(name)
      : await getOrUndefined(() => client.get(builtin.namespace, name));
    return cached === undefined ? undefined : (cached.metadata.labels ?? {});
  };
  const lookupReleaseChangeType = async (namespace: string, name: string): Promise<string | undefined> => {
    const cached = informers.releases.hasSynced()
      ? informers.releases.store.get(`${namespace}/${name}`)
      : await getOrUndefined(() => client.get(resources.release, name, namespace));
    if (cached === undefined) return undefined;
    const spec = ReleaseChangeTypeView.safeParse(cached.spec);
    return spec.success ? (spec.data.changeType ?? "Feature") : "Feature";
  };
  const lookupReleaseUid = async (namespace: string, name: string): Promise<string | undefined> => {
    const cached = informers.releases.hasSynced()
      ? informers.releases.store.get(`${namespace}/${name}`)
      : await getOrUndefined(() => client.get(resources.release, name, namespace));
    return cached?.metadata.uid;
  };
  // Always live: whoever changed the release a moment ago is its declarer now, whatever the cache last saw (ADR 0069).
  const lookupChangeDeclarers = async (namespace: string, name: string): Promise<string[] | undefined> => {
    const change = BoundChangeView.safeParse(
      (await getOrUndefined(() => client.get(resources.changeRequest, name, namespace)))?.spec,
    );
    if (!change.success) return undefined;
    const releaseName = change.data.releaseRef.name;
    const release = await getOrUndefined(() => client.get(resources.release, releaseName, namespace));
    if (release === undefined) return undefined;
    const binding = change.data.binding;
    if (releaseBindingMismatch(binding, { name: releaseName, uid: release.metadata.uid }) !== undefined) {
      return undefined;
    }
    const declarer = Declarer.safeParse((release.spec as { declaredBy?: unknown } | undefined)?.declaredBy);
    return declarersOf(declarer.success ? declarer.data : undefined);
  };
  const lookupReleases = async (namespace: string): Promise<KubeObject[]> =>
    informers.releases.hasSynced()
      ? informers.releases.store.list().filter((obj) => obj.metadata.namespace === namespace)
      : (await client.list(resources.release, { namespace })).items;
  const mayUpdateEnvironments = (user: UserInfo): Promise<boolean> =>
    accessAllowed(client.transport, user, {
      resourceAttributes: { group: "stagegate.io", resource: "environments", verb: "update" },
    });
  // Always live: a release is stamped with the template as it stands at its creation, not as a cache last saw it.
  const lookupWorkflowTemplate = async (name: string): Promise<KubeObject | undefined> =>
    getOrUndefined(() => client.get(resources.workflowTemplate, name));
  // TeamRoleBindings from the cache once it has synced, live before that (as Environments above).
  const lookupTeamRoleBindings = async (): Promise<TeamRoleBindingSpec[]> =>
    teamRoleBindingSpecs(
      informers.teamRoleBindings.hasSynced()
        ? informers.teamRoleBindings.store.list()
        : (await client.list(resources.teamRoleBinding)).items,
    );
  let server: WebhookServer;
  try {
    server = await startWebhookServer({
      address: config.webhookAddress,
      certificates: deps.certificates,
      clientAuth: { caFile: config.webhookClientCaFile, allowedNames: config.webhookClientNames },
      audit,
      lookupEnvironment,
      lookupDeliveryLabels,
      lookupNamespaceLabels,
      lookupReleaseChangeType,
      lookupReleaseUid,
      lookupChangeDeclarers,
      lookupReleases,
      mayUpdateEnvironments,
      lookupWorkflowTemplate,
      lookupTeamRoleBindings,
      operatorUsername: deps.operatorIdentity,
      creatorSeal: deps.creatorSeal,
      rollbackSeal: deps.rollbackSeal,
      log,
    });
  } catch (err) {
    throw new ConfigError(
      `cannot serve the admission webhooks on ${config.webhookAddress}: ${(err as Error).message}. Put the API ` +
        "server's client CA in --webhook-client-ca-file, or pass --webhook-bind-address=0 to run without webhooks.",
    );
  }
  log.info(
    { webhookPort: server.port, operatorUsername: deps.operatorIdentity },
    "Serving admission webhooks",
  );
  return server;
}

/** The one field of a Release the task webhook reads: what kind of release it is. */
const ReleaseChangeTypeView = z.looseObject({ changeType: z.string().optional() });

/** The fields of a ChangeRequest that say which Release speaks for it. */
const BoundChangeView = z.looseObject({
  releaseRef: z.looseObject({ name: z.string().min(1) }),
  binding: GateBinding.optional(),
});

/** The object `read` returns, or undefined when the API server says it does not exist. */
async function getOrUndefined(read: () => Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
