import { writeFileSync } from "node:fs";

interface TestEvent {
  type: string;
  data?: {
    name?: string;
    file?: string;
    /** The test file that was run, when `file` is a module it imported (a shared suite). */
    entryFile?: string;
    line?: number;
    nesting?: number;
    details?: {
      type?: string;
      duration_ms?: number;
      error?: { failureType?: string; message?: string; cause?: unknown };
    };
    skip?: unknown;
    todo?: unknown;
  };
}

/** One failed test as the closing summary names it: where, what, and the first line of why. */
export interface FailedTest {
  name: string;
  location: string;
  reason: string;
}

/** What the reporter writes for `make test`'s closing lines. */
export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  failures: FailedTest[];
  /** Per test file (relative to the working directory), the seconds its top-level tests and suites took. */
  fileSeconds: Record<string, number>;
}

// node:test wraps a test's own error in one whose message is "test failed"; the cause is the one to show.
function firstLineOfReason(error: { message?: string; cause?: unknown } | undefined): string {
  const cause = error?.cause;
  const message =
    cause instanceof Error ? `${cause.name}: ${cause.message}` : (error?.message ?? "no error reported");
  return (message.split("\n")[0] ?? "").slice(0, 400);
}

const relative = (file: string | undefined): string =>
  file?.replace(`${process.cwd()}/`, "") ?? "unknown file";

function failureOf(data: NonNullable<TestEvent["data"]>): FailedTest {
  const file = relative(data.file);
  return {
    name: data.name ?? "unnamed test",
    location: data.line === undefined ? file : `${file}:${data.line}`,
    reason: firstLineOfReason(data.details?.error),
  };
}

/**
 * A node:test reporter that counts passed, failed and skipped tests (suites excluded, except a suite whose own
 * hook failed: a `before` or `after` that throws is a failure even when every test passed), keeps each failure's
 * name, place and first line of its error, and writes them as JSON to the path in STAGEGATE_TEST_SUMMARY, for
 * the closing lines of `make test` (which CI shows even when it cuts the rest of the output). It also adds up
 * each file's top-level durations, for the slowest files `make test` names last.
 */
export default async function* summaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const summary: TestSummary = { passed: 0, failed: 0, skipped: 0, failures: [], fileSeconds: {} };
  for await (const event of source) {
    const data = event.data;
    const ms = data?.details?.duration_ms;
    if (
      (event.type === "test:pass" || event.type === "test:fail") &&
      data?.nesting === 0 &&
      ms !== undefined
    ) {
      const file = relative(data.entryFile ?? data.file);
      summary.fileSeconds[file] = (summary.fileSeconds[file] ?? 0) + ms / 1000;
    }
    if (data?.details?.type === "suite") {
      if (event.type === "test:fail" && data.details.error?.failureType === "hookFailed") {
        summary.failed++;
        summary.failures.push(failureOf(data));
      }
      continue;
    }
    if (event.type === "test:pass") {
      if (data?.skip !== undefined || data?.todo !== undefined) summary.skipped++;
      else summary.passed++;
    } else if (event.type === "test:fail") {
      summary.failed++;
      summary.failures.push(failureOf(data ?? {}));
    }
  }
  const path = process.env.STAGEGATE_TEST_SUMMARY;
  if (path !== undefined) writeFileSync(path, JSON.stringify(summary));
  yield "";
}
