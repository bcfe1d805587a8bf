import type { CheckpointVerification } from "../checkpoints/check.js";
import { formatCheckpointVerification } from "../checkpoints/verify-against.js";
import { formatVerification, type AuditVerification } from "../verification.js";

/** What one trail's verification says, as a report shows it. */
export interface TrailProof {
  name: string;
  /** The chain verified, and (when checked) every checkpoint agreed. */
  intact: boolean;
  entries: number;
  /** The sentence `stagegate audit verify` prints about the chain. */
  chain: string;
  /** The sentences about the signed checkpoints; undefined when they were not checked (no --public-key). */
  checkpoints: string[] | undefined;
}

/**
 * The proof a report carries: each trail's verification and, with public keys, its checkpoints. `intact` is false
 * when anything did not verify, and `headline` then says so first, in words no reader can miss.
 */
export interface ChainProof {
  intact: boolean;
  checkpointsChecked: boolean;
  headline: string;
  trails: TrailProof[];
  /** Entries the report used that come after a trail's first bad line: the chain does not vouch for them. */
  unvouchedEntries: number;
}

/** One trail's verification results, as the reader gathered them. */
export interface TrailVerification {
  name: string;
  unit: "line" | "row";
  verification: AuditVerification;
  checkpoints: CheckpointVerification | undefined;
}

/** Builds the chain proof from the trails' verifications. Pure. */
export function chainProof(trails: readonly TrailVerification[], unvouchedEntries: number): ChainProof {
  const proofs = trails.map((t): TrailProof => {
    const agreed = t.checkpoints === undefined || t.checkpoints.ok;
    return {
      name: t.name,
      intact: t.verification.ok && agreed,
      entries: t.verification.entries,
      chain: formatVerification(t.verification, t.name, t.unit),
      checkpoints:
        t.checkpoints === undefined
          ? undefined
          : formatCheckpointVerification(t.checkpoints, t.name).split("\n"),
    };
  });
  const checkpointsChecked = trails.length > 0 && trails.every((t) => t.checkpoints !== undefined);
  const broken = proofs.filter((p) => !p.intact).map((p) => p.name);
  const intact = broken.length === 0 && proofs.length > 0;
  let headline: string;
  if (proofs.length === 0) headline = "NO TRAIL WAS READ: this report is not backed by any audit trail.";
  else if (!intact) {
    headline =
      `CHAIN BROKEN: the audit trail ${broken.join(", ")} did not verify; entries from the first bad one on are ` +
      "not vouched for by the chain, and this report may be incomplete or altered.";
  } else if (checkpointsChecked) {
    headline =
      proofs.length === 1
        ? "Chain verified: the trail is intact and agrees with its signed checkpoints."
        : `Chain verified: all ${proofs.length} trails are intact and agree with their signed checkpoints.`;
  } else {
    headline =
      `Chain verified: ${proofs.length === 1 ? "the trail is" : `all ${proofs.length} trails are`} intact. ` +
      "Signed checkpoints were not checked (no --public-key): a trail rewritten as a whole or cut at its end would not show.";
  }
  return { intact, checkpointsChecked, headline, trails: proofs, unvouchedEntries };
}
