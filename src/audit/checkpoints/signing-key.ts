import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";

/** The key the operator signs checkpoints with, and the id verifiers know its public half by. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** A key file that is not an ed25519 key in PEM; the message names the file and the fix. */
export class SigningKeyError extends Error {
  override readonly name = "SigningKeyError";
}

/** The id of a public key: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo (DER). */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

/** Reads an ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it). */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(file));
  } catch (err) {
    throw new SigningKeyError(
      `${file} is not a readable private key in PEM (${(err as Error).message}); create one with ` +
        "`openssl genpkey -algorithm ed25519`",
    );
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new SigningKeyError(
      `${file} holds a ${privateKey.asymmetricKeyType ?? "symmetric"} key; audit checkpoints are signed with ` +
        "ed25519: create one with `openssl genpkey -algorithm ed25519`",
    );
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/**
 * The public keys a verifier trusts, by key id, from PEM files (public keys, or private keys whose public half is
 * taken). Keys of earlier rotations stay in the list so older checkpoints still verify.
 */
export async function loadTrustedKeys(files: readonly string[]): Promise<Map<string, KeyObject>> {
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    let key: KeyObject;
    try {
      const pem = await readFile(file);
      key = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    } catch (err) {
      throw new SigningKeyError(`${file} is not a readable key in PEM (${(err as Error).message})`);
    }
    if (key.asymmetricKeyType !== "ed25519") {
      throw new SigningKeyError(`${file} holds a ${key.asymmetricKeyType ?? "symmetric"} key, not ed25519`);
    }
    keys.set(keyIdOf(key), key);
  }
  return keys;
}
