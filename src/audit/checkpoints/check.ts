import type { KeyObject } from "node:crypto";
import { signatureValid } from "./checkpoint.js";
import type { ReadCheckpoint } from "./checkpoint-object.js";

/** What a verifier read from one trail: its first entry's hash, its last entry, and the hashes checkpoints ask about. */
export interface TrailFacts {
  /** The hash of entry 1; undefined for an empty trail. */
  chain: string | undefined;
  /** The seq of the last entry (0 for an empty trail). */
  lastSeq: number;
  /** seq -> hash, for at least every seq a checkpoint of this trail names. */
  hashes: ReadonlyMap<number, string>;
  /** The last entry a recorded purge removed (ADR 0030): checkpoints of entries before it cannot be compared. */
  purgedThrough?: number;
}

/** The ways a trail can disagree with its checkpoints. */
export type CheckpointProblem =
  | "UnreadableCheckpoint"
  | "ForgedCheckpoint"
  | "EntriesRemoved"
  | "EntryRewritten"
  | "TrailReplaced"
  | "CheckpointRemoved";

/** One disagreement, as a clause naming the checkpoint and the entries. */
export interface CheckpointFinding {
  problem: CheckpointProblem;
  checkpoint: string;
  message: string;
}

/** The result of checking a trail against the checkpoints published for it. */
export interface CheckpointVerification {
  ok: boolean;
  /** Valid checkpoints of this trail that agree with it. */
  agreeing: number;
  /** The highest entry a valid checkpoint vouches for; 0 when none does. */
  coveredSeq: number;
  findings: CheckpointFinding[];
}

/**
 * Checks a trail against checkpoints (Pure):
 * - every checkpoint must read and carry a valid signature by a trusted key (otherwise someone without the key wrote
 *   it: `ForgedCheckpoint`, whatever it claims);
 * - a valid checkpoint of this trail (same first entry) vouches for entry `seq` with `hash`: the trail must reach
 *   that entry (`EntriesRemoved`) and hold exactly that hash there (`EntryRewritten`);
 * - the `previous` link of each valid checkpoint of this trail must name a checkpoint that exists
 *   (`CheckpointRemoved`);
 * - with `writer` given: when that writer's valid checkpoints vouch only for other trails, this trail replaced the
 *   one they vouch for (`TrailReplaced`).
 */
export function checkAgainstCheckpoints(
  trail: TrailFacts,
  checkpoints: readonly ReadCheckpoint[],
  keys: ReadonlyMap<string, KeyObject>,
  writer?: string,
): CheckpointVerification {
  const findings: CheckpointFinding[] = [];
  const names = new Set(checkpoints.map((c) => c.name));
  let agreeing = 0;
  let coveredSeq = 0;
  const otherTrails = new Set<string>();
  for (const read of checkpoints) {
    if (!read.ok) {
      findings.push({ problem: "UnreadableCheckpoint", checkpoint: read.name, message: read.message });
      continue;
    }
    const { body } = read.signed;
    if (!signatureValid(read.signed, keys)) {
      findings.push({
        problem: "ForgedCheckpoint",
        checkpoint: read.name,
        message: keys.has(body.keyId)
          ? `its signature does not verify with key ${body.keyId}: someone without the key wrote or changed it`
          : `it is signed with key ${body.keyId}, which is not among the trusted keys: someone without the key wrote it, or its public key was not given`,
      });
      continue;
    }
    if (writer !== undefined && body.writer !== writer) continue;
    if (body.chain !== trail.chain) {
      otherTrails.add(body.chain);
      continue;
    }
    if (body.previous !== "" && !names.has(body.previous)) {
      findings.push({
        problem: "CheckpointRemoved",
        checkpoint: read.name,
        message: `it names ${body.previous} as the checkpoint before it, which does not exist: a checkpoint was deleted`,
      });
    }
    if (body.seq > trail.lastSeq) {
      findings.push({
        problem: "EntriesRemoved",
        checkpoint: read.name,
        message:
          `it vouches for entry ${body.seq} (signed ${body.time}), but the trail ends at entry ${trail.lastSeq}: ` +
          `entries ${trail.lastSeq + 1} to ${body.seq} at least were removed`,
      });
      continue;
    }
    const hash = trail.hashes.get(body.seq);
    if (hash === undefined && trail.purgedThrough !== undefined && body.seq < trail.purgedThrough) continue;
    if (hash !== body.hash) {
      findings.push({
        problem: "EntryRewritten",
        checkpoint: read.name,
        message:
          `entry ${body.seq} has hash ${(hash ?? "none").slice(0, 12)}, not the ${body.hash.slice(0, 12)} it ` +
          `vouched for (signed ${body.time}): the trail was rewritten at or before entry ${body.seq}`,
      });
      continue;
    }
    agreeing += 1;
    coveredSeq = Math.max(coveredSeq, body.seq);
  }
  if (writer !== undefined && agreeing === 0 && otherTrails.size > 0) {
    findings.push({
      problem: "TrailReplaced",
      checkpoint: "",
      message:
        `writer ${writer}'s checkpoints vouch for ${otherTrails.size === 1 ? "another trail" : `${otherTrails.size} other trails`} ` +
        `(first entry ${[...otherTrails].map((c) => c.slice(0, 12)).join(", ")}), none for this one ` +
        `(first entry ${(trail.chain ?? "none").slice(0, 12)}): the trail was replaced, or it is not the writer's`,
    });
  }
  return { ok: findings.length === 0, agreeing, coveredSeq, findings };
}
