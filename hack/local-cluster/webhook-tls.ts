import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority, issueServingCert, type CertKeyPair } from "./certs.js";

/** A throwaway CA and a serving certificate for 127.0.0.1 and localhost, for an in-process webhook server. */
export interface WebhookTls {
  readonly dir: string;
  readonly ca: CertKeyPair;
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate, PEM. */
  readonly caPem: string;
  /** The CA certificate as a webhook configuration's `caBundle` (base64 of the PEM). */
  readonly caBundle: string;
  /** Issues another serving certificate from the same CA into its own directory (for rotation tests). */
  issueAnother(): Promise<CertKeyPair>;
  /** Removes the temporary directory. */
  remove(): Promise<void>;
}

/** Makes a CA and a serving certificate with openssl in a fresh temporary directory. */
export async function createWebhookTls(): Promise<WebhookTls> {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-webhook-tls-"));
  const ca = await createCertificateAuthority(dir);
  const hosts = { ips: ["127.0.0.1"], dnsNames: ["localhost"] };
  const serving = await issueServingCert(ca, dir, hosts);
  const caPem = await readFile(ca.certFile, "utf8");
  let issued = 0;
  return {
    dir,
    ca,
    certFile: serving.certFile,
    keyFile: serving.keyFile,
    caPem,
    caBundle: Buffer.from(caPem, "utf8").toString("base64"),
    async issueAnother() {
      issued += 1;
      const other = await mkdtemp(join(dir, `serving-${issued}-`));
      return issueServingCert(ca, other, hosts);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Lays a serving certificate out as the operator reads it (`--webhook-cert-dir`: a directory with tls.crt and
 * tls.key) and returns that directory.
 */
export async function writeOperatorCertDir(tls: WebhookTls, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(tls.certFile, join(dir, "tls.crt"));
  await copyFile(tls.keyFile, join(dir, "tls.key"));
  return dir;
}
