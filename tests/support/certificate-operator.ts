// Operators that manage their own webhook certificate (--cert-source=operator), as their own processes on the
// shared test cluster, each test file with names of its own: an empty Secret in the test namespace (as the chart
// creates it), the shipped webhook configurations registered without a caBundle, and the operator identity given
// exactly the shipped certificate rules (config/rbac/webhook-certificate-role.yaml) with those names in place of the
// shipped ones.
import { X509Certificate, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { parseAllDocuments } from "yaml";
import { findFreePort } from "../../hack/local-cluster/free-port.js";
import { registerLocalWebhooks, type RegisteredWebhooks } from "../../hack/local-cluster/webhooks.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin, collectionPath, type ResourceType } from "../../src/runtime/kube/resource.js";
import { secretData } from "../../src/runtime/secret-certificate-source.js";
import { kubeconfigPath } from "./cluster.js";
import { webhookClientCaFile } from "./e2e-operator.js";
import { startOperator, type OperatorProcess } from "./operator-process.js";
import { TcpProxy } from "./tcp-proxy.js";

const RBAC_FILE = path.join(
  import.meta.dirname,
  "..",
  "..",
  "config",
  "rbac",
  "webhook-certificate-role.yaml",
);
/**
 * How long a test waits for an operator process to start (tsx compiles it first, which takes long on a machine busy
 * with other suites): a bound on a wait, never a sleep.
 */
export const STARTUP_TIMEOUT_MS = 90_000;

/** The local cluster's operator identity (hack/local-cluster/identities.ts). */
const OPERATOR_USER = "stagegate-operator";

const rbac = (kind: string, plural: string, namespaced: boolean): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced,
});
const RBAC_TYPES: Record<string, ResourceType> = {
  Role: rbac("Role", "roles", true),
  ClusterRole: rbac("ClusterRole", "clusterroles", false),
  RoleBinding: rbac("RoleBinding", "rolebindings", true),
  ClusterRoleBinding: rbac("ClusterRoleBinding", "clusterrolebindings", false),
};

/** The names one test file's operators use, and the objects made for them. */
export interface CertificateStand {
  id: string;
  namespace: string;
  secret: string;
  mutating: string;
  validating: string;
  /** `https://127.0.0.1:<port>`: a TCP pass-through to every replica's webhook port, as a Service would be. */
  webhookUrl: string;
  proxy: TcpProxy;
  webhookPorts: number[];
  remove(): Promise<void>;
}

/** The shipped certificate rules with this stand's names, bound to the operator identity. */
function certificateRbac(stand: {
  id: string;
  namespace: string;
  secret: string;
  mutating: string;
  validating: string;
}) {
  const rename: Record<string, string> = {
    "stagegate-webhook-certs": stand.secret,
    "stagegate-mutating-webhooks": stand.mutating,
    "stagegate-validating-webhooks": stand.validating,
  };
  return parseAllDocuments(readFileSync(RBAC_FILE, "utf8")).map((doc) => {
    const obj = doc.toJS() as KubeObject & {
      rules?: { resourceNames?: string[] }[];
      roleRef?: { name: string };
      subjects?: unknown[];
    };
    obj.metadata = {
      name: `certs-${stand.id}-${obj.metadata.name}`,
      ...(obj.metadata.namespace === undefined ? {} : { namespace: stand.namespace }),
    };
    for (const rule of obj.rules ?? []) {
      rule.resourceNames = (rule.resourceNames ?? []).map((name) => rename[name] ?? name);
    }
    if (obj.roleRef !== undefined) obj.roleRef.name = `certs-${stand.id}-${obj.roleRef.name}`;
    if (obj.subjects !== undefined) {
      obj.subjects = [{ kind: "User", name: OPERATOR_USER, apiGroup: "rbac.authorization.k8s.io" }];
    }
    return obj;
  });
}

/**
 * Prepares what the chart would have installed for `replicas` operators serving `namespace`: the empty Secret, the
 * webhook configurations (no caBundle) calling a pass-through to the replicas, and the certificate rights.
 */
export async function prepareCertificateStand(
  admin: KubeClient,
  namespace: string,
  replicas: number,
  options: { foreignEntry?: boolean } = {},
): Promise<CertificateStand> {
  const id = randomBytes(3).toString("hex");
  const label = { "stagegate.io/certs": id };
  await admin.patch(
    builtin.namespace,
    namespace,
    undefined,
    { metadata: { labels: label } },
    { type: "merge" },
  );
  const webhookPorts = await Promise.all(Array.from({ length: replicas }, () => findFreePort()));
  const proxy = new TcpProxy(webhookPorts);
  const webhookUrl = `https://127.0.0.1:${await proxy.listen()}`;
  const names = {
    id,
    namespace,
    secret: `certs-${id}`,
    mutating: `certs-${id}-stagegate-mutating-webhooks`,
    validating: `certs-${id}-stagegate-validating-webhooks`,
  };
  const rbacObjects = certificateRbac(names);
  for (const obj of rbacObjects) {
    const type = RBAC_TYPES[obj.kind ?? ""];
    if (type === undefined) throw new Error(`unexpected ${obj.kind} in ${RBAC_FILE}`);
    await admin.create(type, obj, obj.metadata.namespace);
  }
  await admin.create(
    builtin.secret,
    { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: names.secret, namespace } },
    namespace,
  );
  let registered: RegisteredWebhooks | undefined = await registerLocalWebhooks(admin, {
    name: `certs-${id}`,
    baseUrl: webhookUrl,
    caBundle: "",
    namespaceLabels: label,
  });
  if (options.foreignEntry === true) await addForeignEntry(admin, names.validating);
  return {
    ...names,
    webhookUrl,
    proxy,
    webhookPorts,
    async remove() {
      await registered?.unregister();
      registered = undefined;
      await proxy.close();
      for (const obj of rbacObjects.reverse()) {
        const type = RBAC_TYPES[obj.kind ?? ""];
        if (type === undefined) continue;
        await admin.delete(type, obj.metadata.name, obj.metadata.namespace).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      }
    },
  };
}

/** A CA of nobody's, for caBundles the operator must leave alone. */
export const FOREIGN_CA_BUNDLE = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nforeign\n-----END CERTIFICATE-----\n",
).toString("base64");

/**
 * Adds to the validating configuration an entry that calls something else (and is never called: its object
 * selector matches nothing), with a caBundle of its own, which the operator must not replace with its CA.
 */
async function addForeignEntry(admin: KubeClient, validating: string): Promise<void> {
  const type = webhookConfigurationType("ValidatingWebhookConfiguration");
  const config = await admin.get(type, validating);
  const webhooks = (config as unknown as { webhooks: Record<string, unknown>[] }).webhooks;
  webhooks.push({
    ...webhooks[0],
    name: "foreign.example.com",
    clientConfig: { url: "https://foreign.example.com/validate", caBundle: FOREIGN_CA_BUNDLE },
    objectSelector: { matchLabels: { "stagegate.io/never": "true" } },
  });
  await admin.update(type, config);
}

/** The admission registration types, for tests that read the configurations. */
export function webhookConfigurationType(
  kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
): ResourceType {
  const plural =
    kind === "MutatingWebhookConfiguration"
      ? "mutatingwebhookconfigurations"
      : "validatingwebhookconfigurations";
  return { group: "admissionregistration.k8s.io", version: "v1", plural, kind, namespaced: false };
}

/** One operator replica of a stand, with the port its receivers serve the same certificate on (for peeking). */
export interface CertificateReplica {
  process: OperatorProcess;
  eventsPort: number;
  identity: string;
}

/** Starts replica `index` of the stand as the operator identity, managing the stand's certificate. */
export async function startCertificateReplica(
  stand: CertificateStand,
  index: number,
  flags: readonly string[] = [],
): Promise<CertificateReplica> {
  const eventsPort = await findFreePort();
  const identity = `certs-${stand.id}-${index}`;
  const process = startOperator(kubeconfigPath("operator"), [
    `--namespace=${stand.namespace}`,
    "--leader-elect=true",
    "--leader-election-namespace=stagegate-system",
    `--leader-election-id=certs-${stand.id}`,
    `--identity=${identity}`,
    `--webhook-bind-address=127.0.0.1:${stand.webhookPorts[index] ?? 0}`,
    `--events-bind-address=127.0.0.1:${eventsPort}`,
    `--webhook-client-ca-file=${webhookClientCaFile()}`,
    `--webhook-url=${stand.webhookUrl}`,
    `--webhook-namespace-selector=${JSON.stringify({ matchLabels: { "stagegate.io/certs": stand.id } })}`,
    `--mutating-webhook-configuration=${stand.mutating}`,
    `--validating-webhook-configuration=${stand.validating}`,
    "--admission-guard=true",
    "--admission-guard-interval=1s",
    "--cert-source=operator",
    `--cert-secret=${stand.secret}`,
    `--cert-namespace=${stand.namespace}`,
    ...flags,
  ]);
  return { process, eventsPort, identity };
}

/** The fingerprint of the certificate a replica serves now (read from its receivers port, which serves the same). */
export function servedFingerprint(replica: CertificateReplica): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: "127.0.0.1", port: replica.eventsPort, rejectUnauthorized: false },
      () => {
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        socket.end();
        resolve(fingerprint);
      },
    );
    socket.on("error", reject);
  });
}

/** The decoded data of the stand's Secret. */
export async function certificateSecret(
  admin: KubeClient,
  stand: CertificateStand,
): Promise<Record<string, string>> {
  return secretData(await admin.get(builtin.secret, stand.secret, stand.namespace));
}

/** The fingerprint of a PEM certificate (the first of a chain). */
export const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

/**
 * Sends the API server a request its webhooks must refuse (a dry-run Approval created with decisions in it) and
 * returns what it answered: the webhook's refusal when the API server reached the webhook over TLS it verified
 * with the injected caBundle, or the API server's own error (for example `x509: certificate signed by unknown
 * authority`) when it did not.
 */
export async function askWebhook(admin: KubeClient, namespace: string): Promise<string> {
  try {
    await admin.transport.request({
      method: "POST",
      path: collectionPath(resources.approval, namespace),
      query: { dryRun: "All" },
      body: {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Approval",
        metadata: { name: `prefilled-${randomBytes(3).toString("hex")}`, namespace },
        spec: {
          changeRequestRef: { name: "prefilled" },
          required: 1,
          eligible: { groups: ["approvers"] },
          decisions: { alice: { decision: "Approve", decidedAt: "2030-01-01T00:00:00Z" } },
        },
      },
    });
    return "admitted";
  } catch (err) {
    return (err as Error).message;
  }
}

/** Whether an answer of {@link askWebhook} is the webhook's own refusal. */
export const refusedByWebhook = (answer: string): boolean =>
  answer.includes("ApprovalPrefilled: a new Approval must have no decisions");
