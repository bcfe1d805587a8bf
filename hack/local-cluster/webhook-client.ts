import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { createCertificateAuthority, issueClientCert, type CertKeyPair } from "./certs.js";

/** The user name (CN) of the client certificate kube-apiserver presents to admission webhooks. */
export const WEBHOOK_CLIENT_USER = "kube-apiserver-webhook-client";

/** How kube-apiserver authenticates to admission webhooks on one local cluster. */
export interface WebhookClientPki {
  /** The CA that issued the API server's webhook client certificate: the operator's `--webhook-client-ca-file`. */
  readonly caFile: string;
  /** The certificate kube-apiserver presents to every webhook it calls. */
  readonly client: CertKeyPair;
  /** The file kube-apiserver's `--admission-control-config-file` names. */
  readonly admissionConfigFile: string;
}

/**
 * Creates a CA of its own for the API server's webhook client certificate (not the cluster CA, which also issues
 * every user's certificate: alice's certificate must not pass for the API server), issues that certificate, and
 * writes the AdmissionConfiguration and kubeconfig that make kube-apiserver present it to every webhook (`*`).
 */
export async function createWebhookClientPki(dir: string): Promise<WebhookClientPki> {
  const pkiDir = join(dir, "pki", "webhook-client");
  await mkdir(pkiDir, { recursive: true });
  const ca = await createCertificateAuthority(pkiDir);
  const client = await issueClientCert(ca, pkiDir, "apiserver-webhook-client", {
    user: WEBHOOK_CLIENT_USER,
    groups: [],
  });
  const kubeconfig = join(pkiDir, "admission.kubeconfig");
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      // `*` matches every webhook host (the tests' operators listen on random loopback ports).
      users: [{ name: "*", user: { "client-certificate": client.certFile, "client-key": client.keyFile } }],
    }),
    { mode: 0o600 },
  );
  const webhookPlugin = (name: string) => ({
    name,
    configuration: {
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "WebhookAdmissionConfiguration",
      kubeConfigFile: kubeconfig,
    },
  });
  const admissionConfigFile = join(pkiDir, "admission-configuration.yaml");
  await writeFile(
    admissionConfigFile,
    stringify({
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "AdmissionConfiguration",
      plugins: [webhookPlugin("ValidatingAdmissionWebhook"), webhookPlugin("MutatingAdmissionWebhook")],
    }),
  );
  return { caFile: ca.certFile, client, admissionConfigFile };
}
