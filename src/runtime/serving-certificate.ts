import { unwatchFile, watchFile } from "node:fs";
import { readFile } from "node:fs/promises";
import type https from "node:https";
import tls from "node:tls";
import type { Logger } from "./logging.js";

/** The PEM files of an HTTPS server's serving certificate (webhooks, receivers), as mounted from a Secret. */
export interface ServingCertificateFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate chain and its key, read and checked to belong together. */
export interface ServingCertificate {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads the serving certificate and key, and checks they form a usable TLS context, so a half-rotated pair (new
 * certificate, old key) is refused instead of served.
 */
export async function loadServingCertificate(files: ServingCertificateFiles): Promise<ServingCertificate> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  tls.createSecureContext({ cert, key });
  return { cert, key };
}

/** A running certificate watch; `stop` ends it. */
export interface CertificateWatch {
  stop(): void;
}

/**
 * Reloads the server's certificate when either file changes (cert-manager and kubelet rotate Secrets in place).
 * It polls the files' stat, which also sees the symlink swaps of Secret volumes; a pair that does not load is
 * logged and the previous certificate keeps serving. New connections get the new certificate.
 */
export function watchServingCertificate(
  server: https.Server,
  files: ServingCertificateFiles,
  options: { intervalMs: number; log: Logger; clientCa?: Buffer },
): CertificateWatch {
  let loading = Promise.resolve();
  let stopped = false;
  const reload = (): void => {
    loading = loading.then(async () => {
      if (stopped) return;
      try {
        const pair = await loadServingCertificate(files);
        // A new context replaces the whole old one: the CA that verifies client certificates goes with it.
        server.setSecureContext(options.clientCa === undefined ? pair : { ...pair, ca: options.clientCa });
        options.log.info({ certFile: files.certFile }, "Reloaded the webhook serving certificate");
      } catch (error) {
        options.log.warn(
          { certFile: files.certFile, keyFile: files.keyFile, err: error },
          "Kept the previous webhook serving certificate: the files on disk do not load",
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
    stop() {
      stopped = true;
      for (const file of [files.certFile, files.keyFile]) unwatchFile(file, onChange);
    },
  };
}
