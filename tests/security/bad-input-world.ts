// The world the bad-input attempts run against: one operator process (the `operator` identity, exactly the
// shipped RBAC) serving its admission webhooks (registered with the real API server for one labelled namespace)
// and its Alertmanager receiver (a bearer token of its own), every controller running, and a release shop-1
// deployed to a prod environment through an Argo CD Application (the controller is a stand-in driven by the
// test), so an alert about it opens a Rollback task as in production.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createWebhookTls,
  writeOperatorCertDir,
  type WebhookTls,
} from "../../hack/local-cluster/webhook-tls.js";
import type { KubectlResult } from "../../hack/local-cluster/index.js";
import { registerLocalWebhooks, type RegisteredWebhooks } from "../../hack/local-cluster/webhooks.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath, kubectl } from "../support/cluster.js";
import { createEnvironment, deleteIgnoringMissing } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { argoSyncs } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";
import { postToReceiver, type ReceiverAnswer } from "../support/receiver-client.js";
import { createRelease, syncRequested, waitForEnvState } from "../support/release-world.js";
import { scopedTokenFile } from "../support/scoped-tokens.js";
import { webhookClientCaFile } from "../support/e2e-operator.js";

/** The commit shop-1 ships. */
export const SHA = "5e5e5e5d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
/** The Argo CD Application that delivers shop-1 to prod. */
export const APPLICATION = "shop-prod";

/** One audit entry as the operator wrote it. */
export interface AuditLine {
  actor: string;
  action: string;
  object: { kind: string; namespace?: string; name: string };
  details: Record<string, unknown>;
}

/** What the tests use: clients, the namespace, prod, the operator and the Alertmanager endpoint. */
export interface BadInputWorld {
  admin: KubeClient;
  namespace: string;
  prod: string;
  operator: OperatorProcess;
  /** POSTs a body to /alertmanager with the operator's token and the given Content-Type (none when null). */
  postAlert(body: string, contentType?: string | null): Promise<ReceiverAnswer>;
  /** The operator's audit entries of `action`. */
  audit(action: string): Promise<AuditLine[]>;
  /** Environments created by the tests, deleted at the end. */
  environments: string[];
  stop(): Promise<void>;
}

/** A condition as the tests read it. */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The condition of `type` on an object, if it has one. */
export const conditionOf = (obj: KubeObject | undefined, type: string): Condition | undefined =>
  ((obj?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

/** A short random suffix for names, so attempts never collide. */
export const suffix = (): string => randomBytes(3).toString("hex");

/** Creates `obj` as `identity` with kubectl in the world's namespace; the result, not an exception. */
export function createAs(
  world: Pick<BadInputWorld, "namespace">,
  identity: "bob" | "alice" | "admin",
  obj: Record<string, unknown>,
): Promise<KubectlResult> {
  return kubectl(identity, ["create", "-n", world.namespace, "-f", "-"], { input: JSON.stringify(obj) });
}

/**
 * Starts the world; with `deployShop`, also deploys shop-1 to prod (for the receiver's attempts). On failure
 * everything started so far is stopped.
 */
export async function startBadInputWorld(options: { deployShop: boolean }): Promise<BadInputWorld> {
  const admin = await clientFor("admin");
  const id = randomBytes(3).toString("hex");
  const namespace = await createTestNamespace(admin, "bad-input");
  const prod = `prod-bad-input-${id}`;
  const environments: string[] = [prod];
  const label = { "stagegate.io/bad-input": id };
  const token = `am-${randomBytes(12).toString("hex")}`;
  let tls: WebhookTls | undefined;
  let operator: OperatorProcess | undefined;
  let webhooks: RegisteredWebhooks | undefined;
  const stop = async (): Promise<void> => {
    await webhooks?.unregister();
    await operator?.stop();
    await tls?.remove();
    for (const env of environments) await deleteIgnoringMissing(admin, resources.environment, env);
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    admin.close();
  };
  try {
    await admin.patch(
      builtin.namespace,
      namespace,
      undefined,
      { metadata: { labels: label } },
      { type: "merge" },
    );
    tls = await createWebhookTls();
    const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
    const tokenFile = path.join(tls.dir, "alertmanager-tokens");
    await writeFile(
      tokenFile,
      scopedTokenFile([{ name: "bad-input-alertmanager", token, namespaces: [namespace] }]),
    );
    operator = startOperator(kubeconfigPath("operator"), [
      `--namespace=${namespace}`,
      "--leader-elect=false",
      "--webhook-bind-address=127.0.0.1:0",
      "--events-bind-address=127.0.0.1:0",
      `--webhook-cert-dir=${certDir}`,
      `--webhook-client-ca-file=${webhookClientCaFile()}`,
      `--alertmanager-token-file=${tokenFile}`,
    ]);
    const serving = await operator.waitForLog("Serving admission webhooks");
    const events = await operator.waitForLog("Serving event receivers");
    webhooks = await registerLocalWebhooks(admin, {
      name: `bad-input-${id}`,
      baseUrl: `https://127.0.0.1:${Number(serving.webhookPort)}`,
      caBundle: tls.caBundle,
      namespaceLabels: label,
    });
    await operator.waitForLog("Synced every informer cache");

    const scope = { admin, namespace };
    await createEnvironment({ admin, namespace }, prod, {});
    if (options.deployShop) await deployShop(scope, prod);

    const endpoint = { port: Number(events.eventsPort), caPem: tls.caPem };
    const running = operator;
    return {
      admin,
      namespace,
      prod,
      operator: running,
      environments,
      postAlert: (body, contentType = "application/json") =>
        postToReceiver(endpoint, "/alertmanager", body, {
          Authorization: `Bearer ${token}`,
          ...(contentType === null ? {} : { "Content-Type": contentType }),
        }),
      audit: async (action) =>
        (await readFile(running.auditFile, "utf8"))
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as AuditLine & { action: string })
          .filter((entry) => entry.action === action),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Deploys shop-1 to `prod` through the Application, completing the sync as Argo CD would. */
async function deployShop(scope: { admin: KubeClient; namespace: string }, prod: string): Promise<void> {
  const { admin, namespace } = scope;
  await createArgoApplication(scope, APPLICATION);
  await createRelease(scope, "shop-1", {
    version: "1.4.0",
    revision: SHA,
    pipeline: [prod],
    targets: [
      {
        environment: prod,
        argoCD: { name: APPLICATION, namespace, revision: SHA },
        alertSelector: { matchLabels: { namespace, app: "shop" } },
      },
    ],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "olga" } },
  });
  await syncRequested(scope, APPLICATION, SHA);
  await argoSyncs(admin, { name: APPLICATION, namespace }, { revision: SHA });
  await waitForEnvState(scope, "shop-1", prod, "Verified", 60_000);
}
