import { X509Certificate } from "node:crypto";
import { unwatchFile, watchFile } from "node:fs";
import { readFile } from "node:fs/promises";
import tls from "node:tls";
import type { Logger } from "./logging.js";

/** The PEM files of an HTTPS server's serving certificate (webhooks, receivers), as mounted from a Secret. */
export interface ServingCertificateFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate chain and its key, checked to belong together. */
export interface ServingCertificate {
  cert: Buffer;
  key: Buffer;
}

/**
 * Where HTTPS servers get the certificate they serve, and hear of a new one (a rotation): files on a volume, or
 * the Secret the operator manages. Every replica serves what its source holds; none writes it.
 */
export interface ServingCertificateSource {
  /** Where the certificate comes from, for log lines and error messages. */
  readonly description: string;
  /** The pair to serve now; undefined until one was loaded. */
  current(): ServingCertificate | undefined;
  /** Calls `listener` with every new pair from now on (never with an unusable one); returns the unsubscribe. */
  subscribe(listener: (pair: ServingCertificate) => void): () => void;
}

/**
 * Checks that a certificate and key form a usable TLS context, so a half-rotated pair (new certificate, old key)
 * is refused instead of served. Throws with OpenSSL's words otherwise.
 */
export function checkServingCertificate(pair: ServingCertificate): ServingCertificate {
  tls.createSecureContext(pair);
  return pair;
}

/** The fingerprint of a pair's leaf certificate, to tell a new certificate from the one served. */
export function servingFingerprint(pair: ServingCertificate): string {
  return new X509Certificate(pair.cert).fingerprint256;
}

/** Reads the serving certificate and key and checks they belong together. */
export async function loadServingCertificate(files: ServingCertificateFiles): Promise<ServingCertificate> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  return checkServingCertificate({ cert, key });
}

/** Fans a new pair out to the subscribers of a source. */
export class CertificateListeners {
  private readonly listeners = new Set<(pair: ServingCertificate) => void>();

  subscribe(listener: (pair: ServingCertificate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(pair: ServingCertificate): void {
    for (const listener of this.listeners) listener(pair);
  }
}

/** A file-backed source; `stop` ends the polling. */
export interface CertificateFileSource extends ServingCertificateSource {
  stop(): void;
}

/**
 * Serves the certificate of two files, reloaded when either changes (cert-manager and kubelet rotate Secret volumes
 * in place). It polls the files' stat, which also sees the symlink swaps of Secret volumes; a pair that does not
 * load is logged and the previous one keeps serving. Rejects when the files do not load at start.
 */
export async function watchCertificateFiles(
  files: ServingCertificateFiles,
  options: { intervalMs: number; log: Logger },
): Promise<CertificateFileSource> {
  let pair = await loadServingCertificate(files);
  const listeners = new CertificateListeners();
  let loading = Promise.resolve();
  let stopped = false;
  const reload = (): void => {
    loading = loading.then(async () => {
      if (stopped) return;
      try {
        pair = await loadServingCertificate(files);
        listeners.publish(pair);
        options.log.info({ certFile: files.certFile }, "Reloaded the serving certificate");
      } catch (error) {
        options.log.warn(
          { certFile: files.certFile, keyFile: files.keyFile, err: error },
          "Kept the previous serving certificate: the files on disk do not load",
        );
      }
    });
  };
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
    if (current.mtimeMs !== previous.mtimeMs) reload();
  };
  for (const file of [files.certFile, files.keyFile]) {
    watchFile(file, { interval: options.intervalMs, persistent: false }, onChange);
  }
  return {
    description: files.certFile,
    current: () => pair,
    subscribe: (listener) => listeners.subscribe(listener),
    stop() {
      stopped = true;
      for (const file of [files.certFile, files.keyFile]) unwatchFile(file, onChange);
    },
  };
}
