import { createHash } from "node:crypto";
import type { GateBinding } from "../../api/v1alpha1/binding.js";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { releaseBinding } from "../../api/v1alpha1/release-binding.js";

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

/** At most this much of a release's and an environment's names goes into a child's name; the hash keeps it unique. */
const NAME_PART = 100;

/** The hex digest of a binding (and what else must tell two children apart), canonically serialised. */
function bindingDigest(binding: GateBinding, extra = ""): string {
  const { release, environment, artifact, target } = binding;
  // The UID is left out: names stay computable from the spec (kubectl, CI, the CLI); a re-created release finds
  // its predecessor's child by name, whose binding (with the old UID) then does not match and is never used.
  const canonical = JSON.stringify([
    release.name,
    environment,
    artifact.commit,
    [...artifact.digests].sort(),
    target.kind,
    target.namespace,
    target.name,
    target.revision,
    extra,
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 10);
}

function readablePrefix(release: string, environment: string): string {
  return `${release.slice(0, NAME_PART)}-${environment.slice(0, NAME_PART / 2)}`.replace(/[-.]+$/, "");
}

/**
 * The DeploymentTask of one required check for one binding: `<release>-<environment>-<check>-<hash>`. The hash
 * covers the whole binding (release UID, environment, artifact, target), so a new artifact opens new checks, and
 * names cannot collide between releases and environments whose names run together.
 */
export function checkTaskName(binding: GateBinding, check: string): string {
  const prefix = readablePrefix(binding.release.name, binding.environment);
  return `${prefix}-${kebabCase(check)}-${bindingDigest(binding)}`;
}

/**
 * The ChangeRequest that asks to open one environment's gate for one binding and one promotion:
 * `<release>-<environment>-<hash>`, the hash covering the binding and the ordinal of the promotion it authorises.
 * A change authorises exactly one promotion: a release moved to another artifact, or back to an earlier one, asks
 * anew under a new name, and the closed changes stay as the record of what was approved.
 */
export function changeRequestName(binding: GateBinding, promotion: number): string {
  const prefix = readablePrefix(binding.release.name, binding.environment);
  return `${prefix}-${bindingDigest(binding, `promotion-${promotion}`)}`;
}

/** A release as a person or a script knows it: its name and spec (the UID plays no part in names). */
export interface NamedRelease {
  name: string;
  spec: Pick<ReleaseSpec, "source" | "targets">;
}

function specBinding(release: NamedRelease, environment: string): GateBinding {
  const target = release.spec.targets.find((t) => t.environment === environment);
  const binding =
    target === undefined ? undefined : releaseBinding({ ...release, uid: "" }, environment, target);
  if (binding === undefined) {
    throw new Error(
      `release ${release.name} has no target in ${environment} or no full source commit: it has no gate children`,
    );
  }
  return binding;
}

/** The name of a release's ChangeRequest in `environment` for its `promotion`th promotion there (1 for the first). */
export function changeRequestNameOf(release: NamedRelease, environment: string, promotion = 1): string {
  return changeRequestName(specBinding(release, environment), promotion);
}

/** The name of the check task of `check` that Stagegate opens for a release in `environment`. */
export function checkTaskNameOf(release: NamedRelease, environment: string, check: string): string {
  return checkTaskName(specBinding(release, environment), check);
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
