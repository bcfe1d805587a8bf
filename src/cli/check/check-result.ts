/**
 * What one named check of `stagegate check` concluded. `pass`: observed to hold. `fail`: observed not to hold, so
 * Stagegate cannot keep its promise until it is fixed. `warn`: holds with a caveat worth acting on. `unknown`: cannot
 * be observed from outside the cluster by its nature (the message says why; never a silent pass). `error`: the check
 * could not run here (the API server refused or did not answer). The exit status is 1 on any `fail` or `error`, so a
 * run that verified nothing never looks like a green one.
 */
export type CheckStatus = "pass" | "warn" | "fail" | "unknown" | "error";

/** The verdict of one check, without its name: a sentence, the facts behind it, and what to do. */
export interface CheckVerdict {
  status: CheckStatus;
  /** One sentence that says what was found. */
  message: string;
  /** Each problem or piece of evidence, one sentence each. */
  details: string[];
  /** What to do about a failure (or a warning, or an unknown): a sentence a person can act on. */
  fix?: string;
}

/** One check's result as printed and as `-o json` lists it. */
export interface CheckResult extends CheckVerdict {
  /** The check's stable name, e.g. `operator-rbac`. */
  name: string;
  /** What the check asks, e.g. "The operator's RBAC is no broader than shipped". */
  title: string;
}

/** A passing verdict. */
export function passed(message: string, details: string[] = []): CheckVerdict {
  return { status: "pass", message, details };
}

/** A failing verdict with its fix. */
export function failed(message: string, fix: string, details: string[] = []): CheckVerdict {
  return { status: "fail", message, details, fix };
}

/** A warning: the promise holds, with a caveat and what to do about it. */
export function warned(message: string, fix: string | undefined, details: string[] = []): CheckVerdict {
  return fix === undefined ? { status: "warn", message, details } : { status: "warn", message, details, fix };
}

/** Could not be observed from here: the message says why, the fix how to find out. */
export function unknown(message: string, fix: string | undefined, details: string[] = []): CheckVerdict {
  return fix === undefined
    ? { status: "unknown", message, details }
    : { status: "unknown", message, details, fix };
}

/** The check could not run here: why, and how to run it so it can. */
export function errored(message: string, fix: string | undefined, details: string[] = []): CheckVerdict {
  return fix === undefined
    ? { status: "error", message, details }
    : { status: "error", message, details, fix };
}

/** The counts of a run, for the closing line and `-o json`. */
export interface CheckSummary {
  passed: number;
  warnings: number;
  failed: number;
  unknown: number;
  errors: number;
}

/** Counts results by status. */
export function summarize(results: readonly CheckResult[]): CheckSummary {
  const count = (status: CheckStatus): number => results.filter((r) => r.status === status).length;
  return {
    passed: count("pass"),
    warnings: count("warn"),
    failed: count("fail"),
    unknown: count("unknown"),
    errors: count("error"),
  };
}
