import { z } from "zod";
import type { QueryResult } from "./query-result.js";

/** `[unix seconds, value as a string]`, as Prometheus sends a sample. */
const Sample = z.tuple([z.number(), z.string()]);

/** One series of an instant vector; a native histogram sample carries `histogram` instead of `value`. */
const VectorSample = z.object({
  metric: z.record(z.string(), z.string()).default({}),
  value: Sample.optional(),
  histogram: z.unknown().optional(),
});

const QueryData = z.discriminatedUnion("resultType", [
  z.object({ resultType: z.literal("scalar"), result: Sample }),
  z.object({ resultType: z.literal("string"), result: Sample }),
  z.object({ resultType: z.literal("vector"), result: z.array(VectorSample) }),
  z.object({ resultType: z.literal("matrix"), result: z.array(z.unknown()) }),
]);

/**
 * The envelope of every answer of the Prometheus HTTP API (`GET /api/v1/query`): success with data, or error with
 * `errorType` and `error`. See https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview.
 */
export const QueryResponse = z.discriminatedUnion("status", [
  z.object({ status: z.literal("success"), data: QueryData, warnings: z.array(z.string()).optional() }),
  z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() }),
]);
export type QueryResponse = z.infer<typeof QueryResponse>;

const MAX_QUOTED_BODY = 200;

/**
 * Reads what Prometheus answered to an instant query, as {@link QueryResult}; pure. An error envelope is a
 * QueryError whatever the HTTP status (400 bad_data, 422 execution, 503 timeout...); an answer that is not the
 * Prometheus API's (a proxy's 502, an HTML page at a wrong URL) counts as Unreachable, since no query ran.
 */
export function interpretQueryResponse(httpStatus: number, body: string): QueryResult {
  const parsed = parseBody(body);
  if (parsed?.status === "error") {
    return { kind: "QueryError", errorType: parsed.errorType, error: parsed.error };
  }
  if (parsed === undefined || httpStatus < 200 || httpStatus > 299) {
    const text = body.trim().replace(/\s+/g, " ").slice(0, MAX_QUOTED_BODY);
    const quoted = text === "" ? "an empty body" : `"${text}"`;
    return {
      kind: "Unreachable",
      message: `the server answered HTTP ${httpStatus} with ${quoted}, not a Prometheus API response`,
    };
  }
  const data = parsed.data;
  switch (data.resultType) {
    case "scalar":
      return numberOf(data.result[1]);
    case "string":
      return { kind: "UnexpectedResult", resultType: "string" };
    case "matrix":
      return data.result.length === 0
        ? { kind: "NoData" }
        : { kind: "UnexpectedResult", resultType: "matrix" };
    case "vector": {
      const [first, ...rest] = data.result;
      if (first === undefined) return { kind: "NoData" };
      if (rest.length > 0) return { kind: "TooManySeries", series: data.result.length };
      return first.value === undefined
        ? { kind: "NotANumber", raw: "a histogram" }
        : numberOf(first.value[1]);
    }
  }
}

function parseBody(body: string): QueryResponse | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const result = QueryResponse.safeParse(json);
  return result.success ? result.data : undefined;
}

/** A sample's value: Prometheus writes floats as strings, with `NaN`, `+Inf` and `-Inf` for the rest. */
function numberOf(raw: string): QueryResult {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? { kind: "Value", value } : { kind: "NotANumber", raw };
}
