import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import {
  DerError,
  bitString,
  boolean,
  explicit,
  implicit,
  namedBits,
  objectIdentifier,
  octetString,
  readTlv,
  sequence,
  set,
  smallInteger,
  subjectPublicKeyBits,
  time,
  unsignedInteger,
  utf8String,
} from "./der.js";

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** What to put in a certificate; the key is always a fresh ECDSA P-256 key. */
export interface CertificateRequest {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** A CA (basicConstraints CA, path length 0, may sign certificates), or a TLS server certificate. */
  isCA: boolean;
  /** DNS names and IP addresses of a server certificate (its subjectAltName). */
  hosts?: readonly string[];
  /** The CA that signs it; absent: self-signed (a root). */
  issuer?: PemPair;
}

/** The bytes of an IP address, as an iPAddress GeneralName holds them (4 for IPv4, 16 for IPv6). */
export function ipAddressBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail] = ip.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  if (left.concat(right).some((g) => g.includes("."))) {
    throw new DerError(`${ip}: IPv6 addresses with an embedded IPv4 part are not supported; write it in hex`);
  }
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return Buffer.concat(all.map((g) => Buffer.from(g.padStart(4, "0"), "hex")));
}

function subjectAltName(hosts: readonly string[]): Buffer {
  return sequence(
    ...hosts.map((host) =>
      isIPv4(host) || isIPv6(host)
        ? implicit(7, ipAddressBytes(host))
        : implicit(2, Buffer.from(host, "ascii")),
    ),
  );
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

const name = (commonName: string): Buffer =>
  sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));

/** The key identifier of a public key: SHA-1 of its bits (RFC 5280 4.2.1.2, method 1). */
function keyIdentifier(spki: Buffer): Buffer {
  return createHash("sha1").update(subjectPublicKeyBits(spki)).digest();
}

/** The raw subject Name of a certificate (DER), so an issued certificate names its issuer byte for byte. */
function rawSubject(certDer: Buffer): Buffer {
  // Certificate ::= SEQUENCE { tbsCertificate ::= SEQUENCE { [0] version, serial, signature, issuer, validity, subject, ... } }
  const tbs = readTlv(certDer, readTlv(certDer, 0).start);
  let offset = tbs.start;
  for (let field = 0; field < 5; field++) offset = readTlv(certDer, offset).end;
  return certDer.subarray(offset, readTlv(certDer, offset).end);
}

/** The DER of the first certificate of a PEM text. */
export function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (match?.[1] === undefined) throw new DerError("no PEM certificate found");
  return Buffer.from(match[1].replace(/\s+/g, ""), "base64");
}

/** PEM of a DER certificate, in 64-character lines. */
export function derToPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/**
 * Issues a certificate with a fresh ECDSA P-256 key, signed by `issuer` (or self-signed): a CA that may sign
 * server certificates (path length 0), or a TLS server certificate for `hosts` (serverAuth, digitalSignature).
 * Both carry key identifiers, so clients holding several CAs (a rotation's overlap) pick the right one.
 */
export function issueCertificate(request: CertificateRequest): PemPair {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const subject = name(request.commonName);
  const issuerKey = request.issuer === undefined ? privateKey : createPrivateKey(request.issuer.keyPem);
  const issuerName = request.issuer === undefined ? subject : rawSubject(pemToDer(request.issuer.certPem));
  const issuerSpki = createPublicKey(issuerKey).export({ type: "spki", format: "der" });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and 16 bytes long (RFC 5280: at most 20 octets)
  const hosts = request.hosts ?? [];
  if (!request.isCA && hosts.length === 0) throw new DerError("a server certificate needs at least one host");
  const extensions = [
    extension(
      OID.basicConstraints,
      true,
      request.isCA ? sequence(boolean(true), smallInteger(0)) : sequence(),
    ),
    // CA: digitalSignature, keyCertSign, cRLSign. Server (ECDSA): digitalSignature only.
    extension(OID.keyUsage, true, request.isCA ? namedBits([0, 5, 6]) : namedBits([0])),
    ...(request.isCA ? [] : [extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth)))]),
    ...(hosts.length === 0 ? [] : [extension(OID.subjectAltName, false, subjectAltName(hosts))]),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, keyIdentifier(issuerSpki)))),
  ];
  const algorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    issuerName,
    sequence(time(request.notBefore), time(request.notAfter)),
    subject,
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, issuerKey);
  return {
    certPem: derToPem(sequence(tbs, algorithm, bitString(signature))),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
