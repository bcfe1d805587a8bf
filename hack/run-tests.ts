// Runs the test suites: unit tests, and integration tests against one real local control plane started for
// the run. Prints the kube-apiserver version tested against, then each failed test with the first line of its
// error, and a closing `N passed, N failed` line.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestSummary } from "../tests/support/summary-reporter.js";
import { startLocalCluster } from "./local-cluster/index.js";
import { SHARED_POSTGRES_ENV, describePostgres, startPostgres } from "./postgres/index.js";
import { TEST_BUILD_ENV, buildForTests } from "./test-build.js";
import { inStartOrder } from "./test-order.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const only = args.filter((a) => !a.startsWith("--"));

function findTests(dir: string): string[] {
  const abs = path.join(repo, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const rel = path.join(dir, entry);
    if (statSync(path.join(repo, rel)).isDirectory()) return findTests(rel);
    return rel.endsWith(".test.ts") ? [rel] : [];
  });
}

const files =
  only.length > 0
    ? only
    : inStartOrder([
        ...findTests("tests/unit"),
        ...(unitOnly
          ? []
          : [
              ...findTests("tests/integration"),
              ...findTests("tests/security"),
              ...findTests("tests/e2e"),
              ...findTests("tests/install"),
            ]),
      ]);
// tests/install starts clusters of its own (installing Stagegate would clash with the shared cluster's objects).
const needsCluster = files.some((f) => !f.includes("tests/unit/") && !f.includes("tests/install/"));

const runDir = mkdtempSync(path.join(tmpdir(), "stagegate-tests-"));
const summaryFile = path.join(runDir, "summary.json");
const env: NodeJS.ProcessEnv = { ...process.env, STAGEGATE_TEST_SUMMARY: summaryFile };

// One PostgreSQL for every file of the audit store that shares it (each test makes a database of its own).
const postgres = files.some((f) => f.includes("postgres")) ? await startPostgres() : undefined;
if (postgres !== undefined) env[SHARED_POSTGRES_ENV] = describePostgres(postgres, runDir);

// Tests beyond unit tests start stagegate processes: from one compiled build while the cluster starts (ADR 0061).
const [cluster, build] = await Promise.all([
  needsCluster
    ? startLocalCluster({
        installCrdsFrom: [
          path.join(repo, "crds"),
          path.join(repo, "config/rbac"),
          path.join(repo, "config/policy"),
          path.join(repo, "hack/manifests"),
        ],
      })
    : undefined,
  files.some((f) => !f.includes("tests/unit/")) ? buildForTests(repo) : undefined,
]);
if (build !== undefined) env[TEST_BUILD_ENV] = build;
if (cluster !== undefined) {
  env.STAGEGATE_TEST_CLUSTER = path.join(cluster.dir, "cluster.json");
  console.log(`Testing against kube-apiserver ${cluster.version} at ${cluster.server}`);
}

const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      // A test that hangs fails instead of holding the run until CI's limit.
      `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? "300000"}`,
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? "3"}`,
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${path.join(repo, "tests/support/summary-reporter.ts")}`,
      "--test-reporter-destination=stderr",
      ...files,
    ],
    { cwd: repo, env, stdio: "inherit" },
  );
  child.on("exit", (status, signal) => resolve(status ?? (signal === null ? 1 : 128)));
});

await cluster?.stop({ keepLogs: code !== 0 });
await postgres?.stop({ keepLogs: code !== 0 });

let summary: Pick<TestSummary, "passed" | "failed" | "failures" | "fileSeconds"> = {
  passed: 0,
  failed: code === 0 ? 0 : 1,
  failures: [],
  fileSeconds: {},
};
try {
  summary = JSON.parse(readFileSync(summaryFile, "utf8")) as TestSummary;
} catch {
  console.error("The test runner wrote no summary; counting the run as failed.");
}
// For keeping hack/test-order.ts's SLOWEST_FIRST true.
const slowest = Object.entries(summary.fileSeconds)
  .sort(([, a], [, b]) => b - a)
  .slice(0, 20);
if (files.length > 1 && slowest.length > 0) {
  console.log("\nSlowest files (seconds of their top-level tests):");
  for (const [file, seconds] of slowest) console.log(`${seconds.toFixed(0).padStart(5)}  ${file}`);
}
// Last, so a log cut to its tail still says which tests failed and why.
if (summary.failures.length > 0) console.log(`\nFailed tests (${summary.failures.length}):`);
for (const failure of summary.failures) {
  console.log(`- ${failure.name} (${failure.location})\n    ${failure.reason}`);
}
console.log(`${summary.passed} passed, ${summary.failed} failed`);
process.exit(code === 0 && summary.failed === 0 ? 0 : 1);
