// The order `make test` hands its test files to node:test. node:test starts files in the order given, each
// as a free lane (--test-concurrency) opens; a long file started late keeps one lane busy after the others
// have run dry. Longest first, the short files fill the lanes up at the end and the lanes finish together.

/**
 * The slowest test files of a full run, slowest first (the seconds are from CI's full run of 2026-12-07,
 * 2 cores, 3 lanes, before the dashboard's sign-ins were pasted and make test compiled its commands). Kept by hand: when the closing "Slowest files" lines of `make test` name a file missing
 * here, or one here has become quick, move it. tests/unit/hack/test-order.test.ts checks every entry exists.
 */
export const SLOWEST_FIRST: readonly string[] = [
  "tests/install/chart-operator.test.ts", // 219 s: a cluster of its own, the chart's pods, make demo's story
  "tests/e2e/promotion.test.ts", // 145 s
  "tests/install/image.test.ts", // 120 s: builds the image, runs it with runc
  "tests/security/freeze-policy.test.ts", // 105 s
  "tests/install/helm-lifecycle.test.ts", // 101 s
  "tests/e2e/dashboard.test.ts", // 300 s typing tokens key by key; a third of it since they are pasted
  "tests/e2e/dashboard-clusters.test.ts", // 235 s likewise; a second control plane
  "tests/integration/cli/verify-commits.test.ts", // 88 s
  "tests/integration/cli/check.test.ts", // 66 s
  "tests/integration/runtime/bookmarks.test.ts", // 61 s: waits for the API server's periodic bookmark
  "tests/security/task-roles.test.ts", // 59 s
  "tests/security/escalation.test.ts", // 57 s
  "tests/integration/operator/crash-safety.test.ts", // 56 s
  "tests/integration/operator/crash-safety-postgres.test.ts", // 56 s
  "tests/integration/insights-trail.test.ts", // 147 s of CLI start-ups; a quarter of it compiled (ADR 0061)
  "tests/integration/cli/decisions.test.ts", // 75 s, CLI start-ups
  "tests/integration/cli/changes.test.ts", // 95 s, CLI start-ups
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
