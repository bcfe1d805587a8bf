import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { issueClientCert, type CertKeyPair } from "./certs.js";

/** One user the local cluster knows: a client certificate with CN = `user` and one O per group. */
export interface Identity {
  /** Kubeconfig name: `<dir>/kubeconfigs/<name>.kubeconfig`. */
  readonly name: string;
  readonly user: string;
  readonly groups: readonly string[];
}

/**
 * Every identity the local cluster issues, in one table so later work adds rows here and nowhere else.
 * Only `admin` is in `system:masters`; everyone else, the operator included, gets only what RBAC grants.
 */
export const IDENTITIES = [
  { name: "admin", user: "admin", groups: ["system:masters"] },
  { name: "operator", user: "stagegate-operator", groups: ["stagegate:operators"] },
  { name: "alice", user: "alice", groups: ["approvers"] },
  { name: "bob", user: "bob", groups: ["developers"] },
  { name: "carol", user: "carol", groups: ["approvers", "cab"] },
  { name: "dave", user: "dave", groups: ["release-managers"] },
  { name: "erin", user: "erin", groups: ["developers", "emergency-approvers"] },
  { name: "mallory", user: "mallory", groups: [] },
  // An approver whose user name is her e-mail: she authors commits, so separation of duties bars her from
  // approving releases that carry them.
  { name: "grace", user: "grace@example.com", groups: ["approvers"] },
] as const satisfies readonly Identity[];

/** The name of an identity in {@link IDENTITIES}, e.g. `"alice"`. */
export type IdentityName = (typeof IDENTITIES)[number]["name"];

/** Where to find the server and which CA verifies it, shared by every kubeconfig of one cluster. */
export interface KubeconfigTarget {
  readonly server: string;
  readonly caFile: string;
}

/** Renders a kubeconfig for one identity; file paths are absolute so it works from any directory. */
export function renderKubeconfig(target: KubeconfigTarget, identity: Identity, cert: CertKeyPair): string {
  const context = `stagegate-local-${identity.name}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "stagegate-local", cluster: { server: target.server, "certificate-authority": target.caFile } },
    ],
    users: [
      { name: identity.name, user: { "client-certificate": cert.certFile, "client-key": cert.keyFile } },
    ],
    contexts: [{ name: context, context: { cluster: "stagegate-local", user: identity.name } }],
    "current-context": context,
    preferences: {},
  });
}

/** An identity with its issued client certificate and the kubeconfig that uses it. */
export interface IssuedIdentity {
  readonly identity: Identity;
  readonly cert: CertKeyPair;
  readonly kubeconfig: string;
}

/**
 * Issues a client certificate for every identity and writes `<dir>/kubeconfigs/<name>.kubeconfig`, with keys
 * under `<dir>/pki/users`. Identity names must be unique, since they name the files.
 */
export async function writeIdentityKubeconfigs(
  dir: string,
  ca: CertKeyPair,
  target: KubeconfigTarget,
  identities: readonly Identity[] = IDENTITIES,
): Promise<IssuedIdentity[]> {
  const pkiDir = join(dir, "pki", "users");
  const kubeconfigDir = join(dir, "kubeconfigs");
  await mkdir(pkiDir, { recursive: true });
  await mkdir(kubeconfigDir, { recursive: true });
  return Promise.all(
    identities.map(async (identity) => {
      const cert = await issueClientCert(ca, pkiDir, identity.name, identity);
      const kubeconfig = join(kubeconfigDir, `${identity.name}.kubeconfig`);
      await writeFile(kubeconfig, renderKubeconfig(target, identity, cert), { mode: 0o600 });
      return { identity, cert, kubeconfig };
    }),
  );
}
