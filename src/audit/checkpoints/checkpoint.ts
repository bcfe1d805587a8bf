import { sign, verify, type KeyObject } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../canonical-hash.js";

const Hash = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

/**
 * What one checkpoint vouches for: that the trail of `writer` whose first entry has hash `chain` had, at `time`,
 * entry `seq` with hash `hash`, signed by the key `keyId`. `previous` names the writer's checkpoint before this one
 * (empty for its first), so a checkpoint removed from the middle of the series shows.
 */
export const CheckpointBody = z.strictObject({
  version: z.literal(1),
  writer: z.string().min(1).max(253),
  chain: Hash,
  seq: z.number().int().min(1),
  hash: Hash,
  time: z.iso.datetime({ offset: true }),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, "must be 16 lowercase hex digits"),
  previous: z.string().max(253),
});
export type CheckpointBody = z.infer<typeof CheckpointBody>;

/**
 * The writer every replica names in checkpoints of the PostgreSQL store: one chain, whichever replica appended it,
 * so one series (`stagegate audit verify --database-url` checks against it).
 */
export const DATABASE_CHECKPOINT_WRITER = "postgresql";

/** A checkpoint with its ed25519 signature (base64) over the canonical JSON of its body. */
export interface SignedCheckpoint {
  body: CheckpointBody;
  signature: string;
}

/** The bytes a checkpoint's signature covers: the canonical JSON of its body. */
export function checkpointBytes(body: CheckpointBody): Buffer {
  return Buffer.from(canonicalJson(body), "utf8");
}

/** Signs a checkpoint body with an ed25519 private key. */
export function signCheckpoint(body: CheckpointBody, privateKey: KeyObject): SignedCheckpoint {
  return { body, signature: sign(null, checkpointBytes(body), privateKey).toString("base64") };
}

/** Whether `signed` carries a valid signature by the public key of its `keyId` in `keys`; false for an unknown key. */
export function signatureValid(signed: SignedCheckpoint, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(signed.body.keyId);
  if (key === undefined) return false;
  try {
    return verify(null, checkpointBytes(signed.body), key, Buffer.from(signed.signature, "base64"));
  } catch {
    return false;
  }
}
