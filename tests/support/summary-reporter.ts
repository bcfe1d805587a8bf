import { writeFileSync } from "node:fs";

interface TestEvent {
  type: string;
  data?: {
    details?: { type?: string; error?: { failureType?: string } };
    skip?: unknown;
    todo?: unknown;
  };
}

/**
 * A node:test reporter that counts passed, failed and skipped tests (suites excluded, except a suite whose own
 * hook failed: a `before` or `after` that throws is a failure even when every test passed) and writes the counts
 * as JSON to the path in STAGEGATE_TEST_SUMMARY, for the closing `N passed, N failed` line of `make test`.
 */
export default async function* summaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.data?.details?.type === "suite") {
      if (event.type === "test:fail" && event.data.details.error?.failureType === "hookFailed")
        counts.failed++;
      continue;
    }
    if (event.type === "test:pass") {
      if (event.data?.skip !== undefined || event.data?.todo !== undefined) counts.skipped++;
      else counts.passed++;
    } else if (event.type === "test:fail") {
      counts.failed++;
    }
  }
  const path = process.env.STAGEGATE_TEST_SUMMARY;
  if (path !== undefined) writeFileSync(path, JSON.stringify(counts));
  yield "";
}
