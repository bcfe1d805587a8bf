import { createHash } from "node:crypto";

/**
 * The deterministic names of everything a Release's decision refers to, so a crash between two writes can never
 * duplicate a child: the same release and environment always yield the same names.
 */

/** The key a release holds a target's lock under: `namespace/name`, as the workqueue keys it. */
export function releaseKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** `SecurityScan` -> `security-scan`, `PostDeployVerification` -> `post-deploy-verification`. */
export function kebabCase(word: string): string {
  return word
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** The DeploymentTask of one required check: `<release>-<environment>-<check-in-kebab-case>`. */
export function checkTaskName(release: string, environment: string, check: string): string {
  return `${release}-${environment}-${kebabCase(check)}`;
}

/**
 * The ChangeRequest that asks to open one environment's gate for one revision of a release:
 * `<release>-<environment>-<rev>`, where `<rev>` is the first 7 characters of a commit id, or of the SHA-256 of any
 * other revision (a tag, a chart version). A release whose target moves to a new revision asks anew, under a new
 * name, and the closed change of the old revision stays as the record of what was approved.
 */
export function changeRequestName(release: string, environment: string, revision: string): string {
  return `${release}-${environment}-${revisionSuffix(revision)}`;
}

function revisionSuffix(revision: string): string {
  if (/^[0-9a-f]{7,64}$/.test(revision)) return revision.slice(0, 7);
  return createHash("sha256").update(revision).digest("hex").slice(0, 7);
}

/**
 * The Rollback task an alert opens for a release in an environment: `<release>-<env>-rollback-<fp>-<start>`, where
 * `<fp>` is Alertmanager's whole fingerprint in lowercase (16 hex digits from Alertmanager; up to 64 accepted) and
 * `<start>` the alert's start as UTC `yyyymmddhhmmss`. Every delivery of the same alert (retries, repeats, several
 * replicas) names the same task; the same alert firing again later (a new start) opens a new one; two alerts
 * whose fingerprints differ anywhere name two tasks. A name that would pass 242 characters (a very long
 * environment name; 242 leaves room for the `-validation` and `-emergency` names derived from it within the 253
 * of an object name) keeps the fingerprint and start, and shortens `<release>-<env>` to a prefix plus 16 hex
 * digits of its SHA-256.
 */
export function rollbackTaskName(
  release: string,
  environment: string,
  fingerprint: string,
  startsAt: Date,
): string {
  const fp = fingerprint.toLowerCase().replace(/[^0-9a-z]/g, "");
  const start = startsAt
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:T]/g, "");
  const suffix = `rollback-${fp}-${start}`;
  const head = `${release}-${environment}`;
  const max = 242;
  if (head.length + 1 + suffix.length <= max) return `${head}-${suffix}`;
  const hash = createHash("sha256").update(head).digest("hex").slice(0, 16);
  const kept = head.slice(0, max - suffix.length - hash.length - 2).replace(/[-.]+$/, "");
  return `${kept}-${hash}-${suffix}`;
}

/** The Rollback task a failed post-deployment verification opens: `<release>-<env>-rollback-verification-<rev>`. */
export function verificationRollbackTaskName(release: string, environment: string, revision: string): string {
  return `${release}-${environment}-rollback-verification-${revisionSuffix(revision)}`;
}

/** The RollbackValidation task opened after a rollback: `<rollback task>-validation`. */
export function rollbackValidationTaskName(rollbackTask: string): string {
  return `${rollbackTask}-validation`;
}

/** The emergency ChangeRequest a break-glass rollback through a freeze opens for review: `<rollback task>-emergency`. */
export function breakGlassChangeName(rollbackTask: string): string {
  return `${rollbackTask}-emergency`;
}

/** The lock key a rollback holds a target under while it reverts it: `rollback:<namespace>/<rollback task>`. */
export function rollbackLockKey(namespace: string, rollbackTask: string): string {
  return `rollback:${namespace}/${rollbackTask}`;
}
