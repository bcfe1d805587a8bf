/**
 * The few ASN.1 DER encodings an X.509 certificate needs (X.690), and a reader for the one structure read back
 * (SubjectPublicKeyInfo). Only encoding lives here: keys, signatures and parsing are node:crypto's.
 */

/** Raised when bytes are not the DER this module expects. */
export class DerError extends Error {
  override readonly name = "DerError";
}

/** A length in DER: short form below 128, else 0x80 | count followed by the big-endian bytes. */
function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** A SEQUENCE of already encoded elements, in order. */
export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
/** A SET of already encoded elements (a Name's RelativeDistinguishedName holds one). */
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
/** An OCTET STRING (an extension's value is the DER of its content wrapped in one). */
export const octetString = (content: Buffer): Buffer => tlv(0x04, content);
/** A UTF8String (a common name). */
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));
/** A BOOLEAN, TRUE as 0xff as DER requires. */
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
/** A context-specific, constructed (EXPLICIT) tag around one element. */
export const explicit = (tagNumber: number, inner: Buffer): Buffer => tlv(0xa0 | tagNumber, inner);
/** A context-specific, primitive (IMPLICIT) tag: the content of an element under another tag. */
export const implicit = (tagNumber: number, content: Buffer): Buffer => tlv(0x80 | tagNumber, content);

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps the sign bit clear, no redundant zeros). */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const content = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(0x02, content.length === 0 ? Buffer.from([0]) : content);
}

/** A small non-negative INTEGER. */
export function smallInteger(value: number): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return unsignedInteger(Buffer.from(bytes.length === 0 ? [0] : bytes));
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift(0x80 | (value & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A BIT STRING of whole bytes (no unused bits), as signatures and public keys are. */
export const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));

/** A BIT STRING of named bits (keyUsage): bit 0 is the most significant bit of the first byte. */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> (bit % 8);
  const unused = 7 - (highest % 8);
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), to the second, in UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2030-01-02T03:04:05.678Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new DerError(`${iso} cannot be written in a certificate`);
  return year < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(digits, "ascii"));
}

/** Reads one TLV at `offset`: its tag, where its content starts and ends. */
export function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError("truncated DER");
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw new DerError("truncated DER");
  return { tag, start, end };
}

/** The public key bits of a SubjectPublicKeyInfo (what a key identifier hashes, RFC 5280 4.2.1.2). */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  if (outer.tag !== 0x30) throw new DerError("a SubjectPublicKeyInfo is a SEQUENCE");
  const algorithm = readTlv(spki, outer.start);
  const key = readTlv(spki, algorithm.end);
  if (key.tag !== 0x03) throw new DerError("a SubjectPublicKeyInfo ends with a BIT STRING");
  return spki.subarray(key.start + 1, key.end);
}
