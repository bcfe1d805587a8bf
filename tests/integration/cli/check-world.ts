// A cluster of its own for `stagegate check`, installed as a platform engineer would: the CRDs, config/rbac,
// config/policy, the shipped webhook configurations under their shipped names (pointed at the operator's URL with
// its CA), and the operator as its own process with the shipped ServiceAccount's token, leading through the default
// Lease. It needs a cluster of its own because the check reads cluster-wide objects (CRDs, Environments, webhook
// configurations) that the suites sharing the test cluster create and change.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { findFreePort } from "../../../hack/local-cluster/free-port.js";
import {
  PROJECT_MANIFEST_DIRS,
  startLocalCluster,
  type LocalCluster,
} from "../../../hack/local-cluster/index.js";
import {
  createWebhookTls,
  writeOperatorCertDir,
  type WebhookTls,
} from "../../../hack/local-cluster/webhook-tls.js";
import { shippedWebhookConfigurations } from "../../../hack/local-cluster/webhooks.js";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { coreResources } from "../../../src/cli/check/resources.js";
import { admissionResources } from "../../../src/controllers/admission-guard/guard.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { waitFor } from "../../support/kube.js";
import { startOperator, type OperatorProcess } from "../../support/operator-process.js";

/** The operator's namespace and ServiceAccount as config/rbac ships them. */
export const OPERATOR_NAMESPACE = "stagegate-system";
/** The leading replica's identity, as a pod of the Deployment would carry it (POD_NAME). */
export const OPERATOR_POD = "stagegate-operator-5d8f7c9b6-x2k4q";
/** A full commit id for the release's targets. */
const REVISION = "4f9c2e1d8b7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e";

/** The installed world a check runs against. */
export interface CheckWorld {
  cluster: LocalCluster;
  admin: KubeClient;
  adminKubeconfig: string;
  operator: OperatorProcess;
  tls: WebhookTls;
  /** `https://127.0.0.1:<port>`: where the webhook configurations call the operator. */
  webhookUrl: string;
  stop(): Promise<void>;
}

/** A kubeconfig for the shipped stagegate-operator ServiceAccount, with a token from the TokenRequest API. */
async function serviceAccountKubeconfig(cluster: LocalCluster): Promise<string> {
  const created = await cluster.kubectl("admin", [
    "-n",
    OPERATOR_NAMESPACE,
    "create",
    "token",
    "stagegate-operator",
    "--duration=2h",
  ]);
  if (created.code !== 0) throw new Error(`kubectl create token failed: ${created.stderr}`);
  const file = path.join(cluster.dir, "stagegate-operator-sa.kubeconfig");
  await writeFile(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "local", cluster: { server: cluster.server, "certificate-authority": cluster.caFile } },
      ],
      users: [{ name: "stagegate-operator", user: { token: created.stdout.trim() } }],
      contexts: [{ name: "operator", context: { cluster: "local", user: "stagegate-operator" } }],
      "current-context": "operator",
    }),
    { mode: 0o600 },
  );
  return file;
}

/** The shipped webhook configurations under their shipped names, calling `baseUrl` with `caBundle`. */
export function webhookConfigurations(baseUrl: string, caBundle: string): Record<string, unknown>[] {
  return shippedWebhookConfigurations().map((config) => ({
    ...config,
    webhooks: config.webhooks.map((webhook) => ({
      ...webhook,
      clientConfig: { url: `${baseUrl}${webhook.clientConfig.service?.path ?? ""}`, caBundle },
    })),
  }));
}

/** Registers (again) the shipped configuration of `kind` pointed at the operator. */
export async function registerWebhookConfiguration(
  world: Pick<CheckWorld, "admin" | "webhookUrl" | "tls">,
  kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
): Promise<void> {
  const rt =
    kind === "MutatingWebhookConfiguration" ? admissionResources.mutating : admissionResources.validating;
  for (const config of webhookConfigurations(world.webhookUrl, world.tls.caBundle)) {
    if (config.kind === kind) await world.admin.create(rt, config);
  }
}

/** Two stages with their Argo CD Applications, and a release targeting both, in namespace `shop`. */
async function createPipeline(admin: KubeClient): Promise<void> {
  for (const name of ["argocd", "shop"]) {
    await admin.create(builtin.namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  for (const stage of ["dev", "prod"]) {
    await admin.create(
      deliveryResources.argoCDApplication,
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: `shop-${stage}`, labels: { "stagegate.io/environment": stage } },
        spec: {
          project: "default",
          source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "HEAD" },
          destination: { server: "https://kubernetes.default.svc", namespace: `shop-${stage}` },
        },
      },
      "argocd",
    );
    await admin.create(resources.environment, {
      apiVersion: API_VERSION,
      kind: "Environment",
      metadata: { name: `check-${stage}` },
      spec: {
        ...(stage === "prod" ? { promotesFrom: ["check-dev"] } : {}),
        delivery: {
          argoCDApplications: { namespaces: ["argocd"], matchLabels: { "stagegate.io/environment": stage } },
        },
      },
    });
  }
  await admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: { name: "shop" },
      spec: {
        version: "2.1.0",
        source: { repoURL: "https://git.example.com/shop.git", revision: REVISION },
        pipeline: ["check-dev", "check-prod"],
        targets: ["dev", "prod"].map((stage) => ({
          environment: `check-${stage}`,
          argoCD: { name: `shop-${stage}`, namespace: "argocd", revision: REVISION },
        })),
        owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "bob" } },
      },
    },
    "shop",
  );
}

/**
 * The leader's pod as the kubelet would report it (no kubelet runs here): labelled as config/webhook's Service
 * selects the operator, named as the Lease holder, Ready.
 */
async function createLeaderPod(admin: KubeClient): Promise<void> {
  await admin.create(
    coreResources.pod,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: OPERATOR_POD,
        labels: { "app.kubernetes.io/name": "stagegate", "app.kubernetes.io/component": "operator" },
      },
      spec: { containers: [{ name: "operator", image: "stagegate:0.1.0" }] },
    },
    OPERATOR_NAMESPACE,
  );
  await admin.patch(
    coreResources.pod,
    OPERATOR_POD,
    OPERATOR_NAMESPACE,
    { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } },
    { type: "merge", subresource: "status" },
  );
}

/** Starts the cluster, installs Stagegate, runs the operator and waits until it leads with its webhooks registered. */
export async function startCheckWorld(): Promise<CheckWorld> {
  const cluster = await startLocalCluster({
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
  });
  let admin: KubeClient | undefined;
  let tls: WebhookTls | undefined;
  let operator: OperatorProcess | undefined;
  const stop = async (): Promise<void> => {
    await operator?.stop();
    admin?.close();
    await tls?.remove();
    await cluster.stop();
  };
  try {
    const adminKubeconfig = cluster.kubeconfigs.admin ?? "";
    admin = await KubeClient.connect(adminKubeconfig);
    tls = await createWebhookTls();
    const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
    const port = await findFreePort();
    const webhookUrl = `https://127.0.0.1:${port}`;
    operator = startOperator(await serviceAccountKubeconfig(cluster), [
      `--identity=${OPERATOR_POD}`,
      "--leader-elect=true",
      `--webhook-bind-address=127.0.0.1:${port}`,
      `--webhook-cert-dir=${certDir}`,
      `--webhook-client-ca-file=${cluster.webhookClientCaFile}`,
      "--admission-guard=true",
      "--admission-guard-interval=2s",
      `--webhook-url=${webhookUrl}`,
    ]);
    await operator.waitForLog("Serving admission webhooks");
    const world = { cluster, admin, adminKubeconfig, operator, tls, webhookUrl, stop };
    await registerWebhookConfiguration(world, "MutatingWebhookConfiguration");
    await registerWebhookConfiguration(world, "ValidatingWebhookConfiguration");
    await operator.waitForLog("Synced every informer cache");
    const lease = admin;
    await waitFor("the operator to hold the Lease", async () => {
      const held = await lease.get(builtin.lease, "stagegate-operator", OPERATOR_NAMESPACE);
      return (held.spec as { holderIdentity?: string }).holderIdentity === OPERATOR_POD ? true : undefined;
    });
    await createLeaderPod(admin);
    await createPipeline(admin);
    return world;
  } catch (err) {
    await stop();
    throw err;
  }
}
