import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { ipAddressBytes } from "../../runtime/x509/issue.js";

/** The keys of the certificate Secret: the serving pair every replica serves, and the CAs only the leader uses. */
export const SECRET_KEYS = {
  /** The serving certificate (leaf) and its key. */
  servingCert: "tls.crt",
  servingKey: "tls.key",
  /** Every CA the webhook configurations' caBundle holds: the signing CA, a next CA, CAs being retired. */
  caBundle: "ca.crt",
  /** The key of the CA that signs serving certificates. */
  caKey: "ca.key",
  /** The key of the next CA, published in the bundle before it signs anything (during a CA rotation). */
  nextCaKey: "ca-next.key",
} as const;

/** A certificate with its key, both as read from the Secret. */
export interface KeyedCertificate {
  cert: X509Certificate;
  certPem: string;
  keyPem: string;
}

/** A CA still trusted in the bundle whose key is gone (the previous signing CA, kept until it expires). */
export interface RetiringCa {
  cert: X509Certificate;
  certPem: string;
}

/** What the certificate Secret holds, read and checked; what could not be used is named in `problems`. */
export interface CertificateSet {
  /** Whether the Secret held any data at all (an empty Secret is a first issue, not a repair). */
  empty: boolean;
  signing?: KeyedCertificate;
  next?: KeyedCertificate;
  retiring: RetiringCa[];
  serving?: KeyedCertificate;
  problems: string[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** The PEM blocks of a bundle, each with its parsed certificate; blocks that do not parse are reported. */
function bundle(pem: string, problems: string[]): RetiringCa[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0 && pem.trim() !== "")
    problems.push(`${SECRET_KEYS.caBundle} holds no PEM certificate`);
  return blocks.flatMap((block, index) => {
    try {
      const certPem = block.endsWith("\n") ? block : `${block}\n`;
      return [{ cert: new X509Certificate(certPem), certPem }];
    } catch {
      problems.push(`certificate ${index + 1} of ${SECRET_KEYS.caBundle} does not parse`);
      return [];
    }
  });
}

/** Whether `keyPem` is the private key of `cert`; false for a key that does not parse. */
function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** The CA of the bundle whose key `keyName` holds, when it is one. */
function keyedCa(
  cas: RetiringCa[],
  data: Readonly<Record<string, string>>,
  keyName: string,
  problems: string[],
): KeyedCertificate | undefined {
  const keyPem = data[keyName];
  if (keyPem === undefined) return undefined;
  const found = cas.find((ca) => keyMatches(ca.cert, keyPem));
  if (found === undefined) {
    problems.push(`${keyName} is not the key of any certificate in ${SECRET_KEYS.caBundle}`);
    return undefined;
  }
  if (!found.cert.ca) {
    problems.push(`the certificate of ${keyName} is not a CA`);
    return undefined;
  }
  return { ...found, keyPem };
}

function servingPair(
  data: Readonly<Record<string, string>>,
  problems: string[],
): KeyedCertificate | undefined {
  const certPem = data[SECRET_KEYS.servingCert];
  const keyPem = data[SECRET_KEYS.servingKey];
  if (certPem === undefined || keyPem === undefined) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    problems.push(`${SECRET_KEYS.servingCert} does not parse`);
    return undefined;
  }
  if (!keyMatches(cert, keyPem)) {
    problems.push(`${SECRET_KEYS.servingKey} is not the key of ${SECRET_KEYS.servingCert}`);
    return undefined;
  }
  return { cert, certPem, keyPem };
}

/**
 * Reads the certificate Secret's data (decoded from base64): which CA signs, which is next, which are retiring, and
 * the serving pair. Nothing that fails a check is used: a key that does not match, a certificate that does not
 * parse; each such finding is a sentence in `problems`.
 */
export function readCertificateSet(data: Readonly<Record<string, string>>): CertificateSet {
  const problems: string[] = [];
  const cas = bundle(data[SECRET_KEYS.caBundle] ?? "", problems);
  const signing = keyedCa(cas, data, SECRET_KEYS.caKey, problems);
  const next = keyedCa(cas, data, SECRET_KEYS.nextCaKey, problems);
  const keyed = new Set([signing?.cert.fingerprint256, next?.cert.fingerprint256]);
  const retiring = cas.filter((ca) => !keyed.has(ca.cert.fingerprint256));
  for (const notCa of retiring.filter((ca) => !ca.cert.ca)) {
    problems.push(`${SECRET_KEYS.caBundle} holds ${notCa.cert.subject}, which is not a CA`);
  }
  return {
    empty: Object.values(data).every((value) => value === ""),
    ...(signing === undefined ? {} : { signing }),
    ...(next === undefined ? {} : { next }),
    retiring: retiring.filter((ca) => ca.cert.ca),
    ...((): { serving?: KeyedCertificate } => {
      const serving = servingPair(data, problems);
      return serving === undefined ? {} : { serving };
    })(),
    problems,
  };
}

/** A host as certificates compare it: a DNS name in lower case, an IP address by its bytes. */
export function hostKey(host: string): string {
  return isIP(host) === 0 ? host.toLowerCase() : `ip:${ipAddressBytes(host).toString("hex")}`;
}

/** The hosts of a certificate's subjectAltName, as {@link hostKey}s. */
export function certificateHosts(cert: X509Certificate): Set<string> {
  const hosts = new Set<string>();
  for (const entry of (cert.subjectAltName ?? "").split(", ")) {
    if (entry.startsWith("DNS:")) hosts.add(hostKey(entry.slice(4)));
    else if (entry.startsWith("IP Address:")) hosts.add(hostKey(entry.slice(11)));
  }
  return hosts;
}

/** The Secret data of a set: the bundle in order signing, next, retiring; only the keys that are present. */
export function certificateSecretData(set: {
  signing: KeyedCertificate;
  next?: KeyedCertificate | undefined;
  retiring: readonly RetiringCa[];
  serving: KeyedCertificate;
}): Record<string, string> {
  const cas = [set.signing, ...(set.next === undefined ? [] : [set.next]), ...set.retiring];
  return {
    [SECRET_KEYS.servingCert]: set.serving.certPem,
    [SECRET_KEYS.servingKey]: set.serving.keyPem,
    [SECRET_KEYS.caBundle]: cas.map((ca) => ca.certPem).join(""),
    [SECRET_KEYS.caKey]: set.signing.keyPem,
    ...(set.next === undefined ? {} : { [SECRET_KEYS.nextCaKey]: set.next.keyPem }),
  };
}
