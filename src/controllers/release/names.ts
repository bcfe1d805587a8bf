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
