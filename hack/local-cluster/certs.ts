import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { LocalClusterError } from "./errors.js";

const run = promisify(execFile);
const VALIDITY_DAYS = "3650";
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A certificate and its private key as PEM files on disk. */
export interface CertKeyPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The key pair the apiserver signs and verifies service-account tokens with. */
export interface ServiceAccountKeys {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

/** Runs openssl and turns a failure into an error that quotes openssl's own complaint. */
async function openssl(args: readonly string[], what: string): Promise<void> {
  try {
    await run("openssl", [...args]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new LocalClusterError(`openssl failed to ${what}: ${stderr.trim()}`, { cause: error });
  }
}

/** Escapes a distinguished-name value for openssl's `-subj` syntax (`/` and `+` separate attributes). */
function escapeDnValue(value: string): string {
  return value.replace(/[\\/+=]/g, (c) => `\\${c}`);
}

/** Writes a minimal openssl config whose only x509 extensions are `extensions`, so no CA defaults leak in. */
async function writeExtensionsConfig(file: string, extensions: readonly string[]): Promise<void> {
  const config = [
    "[req]",
    "distinguished_name = dn",
    "x509_extensions = ext",
    "[dn]",
    "[ext]",
    ...extensions,
  ];
  await writeFile(file, `${config.join("\n")}\n`);
}

/**
 * Creates a throwaway certificate authority (EC P-256, ten years) in `dir`. The apiserver trusts it for client
 * certificates and for its own serving certificate, so one CA file verifies both directions.
 */
export async function createCertificateAuthority(dir: string): Promise<CertKeyPair> {
  const pair = { certFile: join(dir, "ca.crt"), keyFile: join(dir, "ca.key") };
  const config = join(dir, "ca.cnf");
  await writeExtensionsConfig(config, [
    "basicConstraints = critical,CA:TRUE",
    "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
    "subjectKeyIdentifier = hash",
  ]);
  await openssl(
    [
      "req",
      "-x509",
      ...EC_KEY,
      "-config",
      config,
      "-subj",
      "/CN=stagegate-local-ca",
      "-days",
      VALIDITY_DAYS,
    ].concat(["-keyout", pair.keyFile, "-out", pair.certFile]),
    "create the local certificate authority",
  );
  return pair;
}

/** Issues a leaf certificate signed by `ca` with the given subject and extended key usage. */
async function issueLeaf(
  ca: CertKeyPair,
  dir: string,
  name: string,
  subject: string,
  extensions: readonly string[],
): Promise<CertKeyPair> {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const config = join(dir, `${name}.cnf`);
  await writeExtensionsConfig(config, [
    "basicConstraints = critical,CA:FALSE",
    "keyUsage = critical,digitalSignature,keyEncipherment",
    ...extensions,
  ]);
  await openssl(
    ["req", "-x509", ...EC_KEY, "-config", config, "-subj", subject, "-days", VALIDITY_DAYS].concat([
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-keyout",
      pair.keyFile,
      "-out",
      pair.certFile,
    ]),
    `issue the certificate ${name}`,
  );
  return pair;
}

/**
 * Issues the apiserver's serving certificate for the given IPs and DNS names. Clients verify it against the
 * local CA, so no kubeconfig ever needs `insecure-skip-tls-verify`.
 */
export async function issueServingCert(
  ca: CertKeyPair,
  dir: string,
  hosts: { readonly ips: readonly string[]; readonly dnsNames: readonly string[] },
): Promise<CertKeyPair> {
  const san = [...hosts.ips.map((ip) => `IP:${ip}`), ...hosts.dnsNames.map((dns) => `DNS:${dns}`)];
  return issueLeaf(ca, dir, "apiserver", "/CN=kube-apiserver", [
    "extendedKeyUsage = serverAuth",
    `subjectAltName = ${san.join(",")}`,
  ]);
}

/**
 * Issues a client certificate the apiserver maps to `user` (the CN) and `groups` (one O each). This is how
 * Kubernetes' x509 authenticator works, so identities built here go through real authentication and RBAC.
 */
export async function issueClientCert(
  ca: CertKeyPair,
  dir: string,
  name: string,
  identity: { readonly user: string; readonly groups: readonly string[] },
): Promise<CertKeyPair> {
  const subject = [
    ...identity.groups.map((g) => `/O=${escapeDnValue(g)}`),
    `/CN=${escapeDnValue(identity.user)}`,
  ];
  return issueLeaf(ca, dir, name, subject.join(""), ["extendedKeyUsage = clientAuth"]);
}

/** Creates the EC key pair used for `--service-account-signing-key-file` and `--service-account-key-file`. */
export async function createServiceAccountKeys(dir: string): Promise<ServiceAccountKeys> {
  const keys = { privateKeyFile: join(dir, "sa.key"), publicKeyFile: join(dir, "sa.pub") };
  await openssl(
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keys.privateKeyFile],
    "create the service-account signing key",
  );
  await openssl(
    ["pkey", "-in", keys.privateKeyFile, "-pubout", "-out", keys.publicKeyFile],
    "derive the service-account public key",
  );
  return keys;
}
