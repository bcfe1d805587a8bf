// The order `make test` hands its test files to node:test. node:test starts files in the order given, each
// as a free lane (--test-concurrency) opens; a long file started late keeps one lane busy after the others
// have run dry. Longest first, the short files fill the lanes up at the end and the lanes finish together.

/**
 * The slowest test files of a full run, slowest first, with their seconds in the full run of 2026-12-07 07:48 on
 * the 2-core development machine (shared, loaded), after the pasted sign-ins and the compiled commands (ADR 0061).
 * Kept by hand: when the closing "Slowest files" lines of `make test` name a file missing here, or one here has
 * become quick, move it. tests/unit/hack/test-order.test.ts checks every entry exists.
 */
export const SLOWEST_FIRST: readonly string[] = [
  "tests/install/chart-operator.test.ts", // 194 s: a cluster of its own, the chart's pods, make demo's story
  "tests/install/image.test.ts", // 166 s: builds the image, runs it with runc
  "tests/e2e/promotion.test.ts", // 156 s
  "tests/integration/cli/changes.test.ts", // 156 s
  "tests/e2e/dashboard.test.ts", // 139 s
  "tests/integration/cli/check.test.ts", // 129 s
  "tests/integration/cli/decisions.test.ts", // 127 s
  "tests/install/helm-lifecycle.test.ts", // 126 s
  "tests/integration/cli/verify-commits.test.ts", // 119 s
  "tests/e2e/dashboard-clusters.test.ts", // 107 s: a second control plane
  "tests/integration/audit/report.test.ts", // 96 s
  "tests/security/freeze-policy.test.ts", // 87 s
  "tests/e2e/rollback.test.ts", // 86 s
  "tests/security/task-roles.test.ts", // 80 s
  "tests/integration/insights-trail.test.ts", // 80 s
  "tests/integration/cli/status.test.ts", // 79 s
  "tests/integration/operator/crash-safety.test.ts", // 76 s
  "tests/integration/cli/kubectl-plugin.test.ts", // 73 s
  "tests/integration/operator/crash-safety-postgres.test.ts", // 72 s
  "tests/integration/runtime/bookmarks.test.ts", // 62 s: waits for the API server's periodic bookmark
];

/** Unit tests run in-process without the control plane: seconds each, the filler for the end of the run. */
const isUnit = (file: string): boolean => file.startsWith("tests/unit/");

/**
 * The files in the order to start them: those of SLOWEST_FIRST in its order, then the other files that use a
 * control plane or start processes, then unit tests; each group otherwise as given.
 */
export function inStartOrder(files: readonly string[]): string[] {
  const normal = (file: string): string => file.replace(/^\.\//, "");
  const rank = new Map(SLOWEST_FIRST.map((file, index) => [file, index]));
  const slow = files
    .filter((f) => rank.has(normal(f)))
    .sort((a, b) => (rank.get(normal(a)) ?? 0) - (rank.get(normal(b)) ?? 0));
  const rest = files.filter((f) => !rank.has(normal(f)));
  return [...slow, ...rest.filter((f) => !isUnit(normal(f))), ...rest.filter((f) => isUnit(normal(f)))];
}
