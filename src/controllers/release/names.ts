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

/** The ChangeRequest that asks to open one environment's gate for a release: `<release>-<environment>`. */
export function changeRequestName(release: string, environment: string): string {
  return `${release}-${environment}`;
}
