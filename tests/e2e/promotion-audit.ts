// Reading the operator's audit trail for the governed-promotion end-to-end test: the entries in file order, and a
// release's promotion story told as `Action environment` steps, so the test can compare it with the story it
// expects.
import { readFileSync } from "node:fs";
import { StoredAuditEntry } from "../../src/audit/entry.js";

/** The actions that tell how a release moved through its environments. */
const PROMOTION_ACTIONS: ReadonlySet<string> = new Set([
  "TargetLocked",
  "ReleasePromoted",
  "EnvironmentDeployed",
  "EnvironmentVerified",
  "EnvironmentFailed",
  "TargetUnlocked",
]);

/** Every entry of the trail, in file order (which the hash chain fixes). */
export function readAuditEntries(file: string): StoredAuditEntry[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => StoredAuditEntry.parse(JSON.parse(line)));
}

/** The steps of one release's promotion, in order: `TargetLocked dev`, `ReleasePromoted dev`, ... */
export function promotionSteps(entries: readonly StoredAuditEntry[], release: string): string[] {
  return entries
    .filter(
      (e) => e.object.kind === "Release" && e.object.name === release && PROMOTION_ACTIONS.has(e.action),
    )
    .map((e) => {
      const env = e.details.environment;
      return `${e.action} ${typeof env === "string" ? env : JSON.stringify(env)}`;
    });
}

/**
 * The steps a release leaves when each environment is locked, promoted, delivered and verified in turn. The state's
 * entry is recorded once the status is written, and the lock is freed only by a pass that sees Verified stored:
 * so EnvironmentVerified precedes TargetUnlocked.
 */
export function verifiedSteps(pipeline: readonly string[]): string[] {
  return pipeline.flatMap((env) => [
    `TargetLocked ${env}`,
    `ReleasePromoted ${env}`,
    `EnvironmentVerified ${env}`,
    `TargetUnlocked ${env}`,
  ]);
}

/** The position (seq) of the first entry matching `match`; fails loudly when there is none. */
export function seqOf(
  entries: readonly StoredAuditEntry[],
  what: string,
  match: (e: StoredAuditEntry) => boolean,
): number {
  const found = entries.find(match);
  if (found === undefined) throw new Error(`The audit trail has no entry for ${what}.`);
  return found.seq;
}

/** The change-control actions that tell how one ChangeRequest was opened, decided and closed. */
const CHANGE_ACTIONS: ReadonlySet<string> = new Set([
  "ChangeRequested",
  "ApprovalOpened",
  "DecisionRecorded",
  "ChangeApproved",
  "ChangeRejected",
  "ChangeClosed",
]);

/**
 * One change's story as `Action actor` steps in trail order: the change-control entries about `change` (the
 * ChangeRequest and its round-1 Approval share its name).
 */
export function changeSteps(entries: readonly StoredAuditEntry[], change: string): string[] {
  return entries
    .filter((e) => e.object.name === change && CHANGE_ACTIONS.has(e.action))
    .map((e) => `${e.action} ${e.actor}`);
}
