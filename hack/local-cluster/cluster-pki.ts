import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  createCertificateAuthority,
  createServiceAccountKeys,
  issueServingCert,
  type CertKeyPair,
  type ServiceAccountKeys,
} from "./certs.js";
import { LocalClusterError } from "./errors.js";
import { IDENTITIES, writeIdentityKubeconfigs, type Identity } from "./identities.js";
import { createWebhookClientPki, type WebhookClientPki } from "./webhook-client.js";

/** Every certificate, key and kubeconfig one local cluster uses. */
export interface ClusterPki {
  readonly ca: CertKeyPair;
  readonly serving: CertKeyPair;
  readonly serviceAccount: ServiceAccountKeys;
  /** The `admin` identity's client certificate, used by the helper's own probes. */
  readonly admin: CertKeyPair;
  /** The kubeconfig of that same `system:masters` identity. */
  readonly adminKubeconfig: string;
  /** Kubeconfig path per identity name. */
  readonly kubeconfigs: Record<string, string>;
  /** The API server's client certificate for admission webhooks, its CA and the admission configuration. */
  readonly webhookClient: WebhookClientPki;
}

/** The names and addresses the serving certificate covers: loopback plus the in-cluster service names. */
const SERVING_HOSTS = {
  ips: ["127.0.0.1", "10.0.0.1"],
  dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
};

/**
 * Creates a fresh CA, the apiserver's serving certificate, the service-account key pair, and one client
 * certificate plus kubeconfig per identity, all under `<dir>/pki` and `<dir>/kubeconfigs`. Nothing is shared
 * between clusters, so a certificate from one cluster is rejected by every other.
 */
export async function createClusterPki(
  dir: string,
  server: string,
  identities: readonly Identity[] = IDENTITIES,
): Promise<ClusterPki> {
  const pkiDir = join(dir, "pki");
  await mkdir(pkiDir, { recursive: true });
  const ca = await createCertificateAuthority(pkiDir);
  const [serving, serviceAccount, issued, webhookClient] = await Promise.all([
    issueServingCert(ca, pkiDir, SERVING_HOSTS),
    createServiceAccountKeys(pkiDir),
    writeIdentityKubeconfigs(dir, ca, { server, caFile: ca.certFile }, identities),
    createWebhookClientPki(dir),
  ]);
  const admin = issued.find((entry) => entry.identity.groups.includes("system:masters"));
  if (admin === undefined)
    throw new LocalClusterError("No identity is in system:masters; the helper needs one.");
  const kubeconfigs = Object.fromEntries(issued.map((entry) => [entry.identity.name, entry.kubeconfig]));
  return {
    ca,
    serving,
    serviceAccount,
    admin: admin.cert,
    adminKubeconfig: admin.kubeconfig,
    kubeconfigs,
    webhookClient,
  };
}
