import type { Informer, InformerEvent } from "./informer/informer.js";
import type { KubeObject } from "./kube/object.js";
import type { Logger } from "./logging.js";
import {
  CertificateListeners,
  checkServingCertificate,
  servingFingerprint,
  type ServingCertificate,
  type ServingCertificateSource,
} from "./serving-certificate.js";

/** The base64 `data` of a Secret as read from the API, decoded; undefined values for what is not a string. */
export function secretData(secret: KubeObject | undefined): Record<string, string> {
  const data = (secret as { data?: unknown } | undefined)?.data;
  if (typeof data !== "object" || data === null) return {};
  return Object.fromEntries(
    Object.entries(data as Record<string, unknown>).flatMap(([key, value]) =>
      typeof value === "string" ? [[key, Buffer.from(value, "base64").toString("utf8")]] : [],
    ),
  );
}

/**
 * Serves the `tls.crt` and `tls.key` of one Secret, as an informer that watches only it sees them, so every
 * replica serves a new certificate moments after the leader wrote it, without a restart or a volume sync. A
 * version that does not load (missing keys, a key of another certificate, garbage) is logged once and the previous
 * pair keeps serving; a deleted Secret leaves the last pair in place.
 */
export class SecretCertificateSource implements ServingCertificateSource {
  readonly description: string;
  private pair: ServingCertificate | undefined;
  private fingerprint: string | undefined;
  private refusedVersion: string | undefined;
  private readonly listeners = new CertificateListeners();

  constructor(
    private readonly informer: Informer,
    private readonly secret: { namespace: string; name: string },
    private readonly log: Logger,
  ) {
    this.description = `Secret ${secret.namespace}/${secret.name}`;
    informer.subscribe((event) => this.onEvent(event));
  }

  current(): ServingCertificate | undefined {
    return this.pair;
  }

  subscribe(listener: (pair: ServingCertificate) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  private onEvent(event: InformerEvent): void {
    const { metadata } = event.object;
    if (metadata.namespace !== this.secret.namespace || metadata.name !== this.secret.name) return;
    if (event.type === "deleted") {
      this.log.warn(
        { secret: this.description },
        "Kept serving the last certificate: its Secret was deleted",
      );
      return;
    }
    const data = secretData(event.object);
    const cert = data["tls.crt"];
    const key = data["tls.key"];
    if (cert === undefined || key === undefined || cert === "" || key === "") return; // not issued yet
    let pair: ServingCertificate;
    let fingerprint: string;
    try {
      pair = checkServingCertificate({ cert: Buffer.from(cert), key: Buffer.from(key) });
      fingerprint = servingFingerprint(pair);
    } catch (error) {
      if (this.refusedVersion !== metadata.resourceVersion) {
        this.refusedVersion = metadata.resourceVersion;
        this.log.warn(
          {
            secret: this.description,
            resourceVersion: metadata.resourceVersion,
            err: (error as Error).message,
          },
          "Kept serving the previous certificate: the Secret's tls.crt and tls.key do not load",
        );
      }
      return;
    }
    if (fingerprint === this.fingerprint) return;
    this.pair = pair;
    this.fingerprint = fingerprint;
    this.log.info(
      { secret: this.description, fingerprint, resourceVersion: metadata.resourceVersion },
      "Loaded the serving certificate from its Secret",
    );
    this.listeners.publish(pair);
  }
}
