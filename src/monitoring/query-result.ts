/**
 * What one instant PromQL query can come back as. A verification check needs exactly one finite number; every
 * other kind is a reason the check cannot pass, and each says so in words a person can act on.
 */
export type QueryResult =
  | { kind: "Value"; value: number }
  /** The query returned an empty vector: the metric does not exist, or nothing matched its labels. */
  | { kind: "NoData" }
  /** The query returned a vector of several samples; a check needs one number. */
  | { kind: "TooManySeries"; series: number }
  /** The query returned NaN or an infinity (a ratio over no traffic, for example), or a histogram sample. */
  | { kind: "NotANumber"; raw: string }
  /** The query returned a range vector (matrix) or a string instead of a number. */
  | { kind: "UnexpectedResult"; resultType: "matrix" | "string" }
  /** Prometheus rejected or failed the query (`errorType` and `error` of its answer). */
  | { kind: "QueryError"; errorType: string; error: string }
  /** Prometheus could not be asked: network error, timeout, or an answer that is not its HTTP API's. */
  | { kind: "Unreachable"; message: string };

/** The kinds of {@link QueryResult}. */
export type QueryResultKind = QueryResult["kind"];

/** A query result that is not a number: the reasons a measurement cannot pass. */
export type QueryProblem = Exclude<QueryResult, { kind: "Value" }>;

/** Prometheus error types that describe Prometheus's own state at the moment, not the query. */
const TRANSIENT_ERROR_TYPES = new Set(["timeout", "canceled", "unavailable"]);

/**
 * Whether asking again later may give another answer: Prometheus could not be reached, or it timed out,
 * cancelled or was unavailable. Every other problem is a property of the query or the data and stays.
 */
export function isTransient(result: QueryResult): boolean {
  if (result.kind === "Unreachable") return true;
  return result.kind === "QueryError" && TRANSIENT_ERROR_TYPES.has(result.errorType);
}

/**
 * The problem as the end of a sentence that starts with the check's name, for example "returned no data (an
 * empty vector)". Never ends with a period, so callers can go on.
 */
export function describeProblem(problem: QueryProblem): string {
  switch (problem.kind) {
    case "NoData":
      return (
        "returned no data (an empty vector): the metric does not exist, nothing matches its labels, or the " +
        "service is not scraped"
      );
    case "TooManySeries":
      return (
        `returned ${problem.series} series; the query must return one number: aggregate it, ` +
        "e.g. sum(...)"
      );
    case "NotANumber":
      return `returned ${problem.raw}, which is not a number (a ratio over no traffic gives NaN)`;
    case "UnexpectedResult":
      return problem.resultType === "matrix"
        ? "returned a range vector (matrix); the query must return one number: apply a function such as " +
            "rate(...) or avg_over_time(...) to the range"
        : "returned a string; the query must return one number";
    case "QueryError":
      return `was rejected by Prometheus (${problem.errorType}): ${problem.error}`;
    case "Unreachable":
      return `could not be measured: ${problem.message}`;
  }
}
