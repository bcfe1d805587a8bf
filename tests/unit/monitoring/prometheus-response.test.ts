import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { interpretQueryResponse } from "../../../src/monitoring/prometheus-response.js";
import {
  describeProblem,
  isTransient,
  type QueryProblem,
  type QueryResult,
} from "../../../src/monitoring/query-result.js";

// Bodies as Prometheus 2.42 answered `GET /api/v1/query` (recorded with curl against the Debian package), and,
// where marked, written from the API documentation's format for shapes that need more series than a test has.
const T = 1795689661.123;
const rows: { situation: string; status: number; body: string; expected: QueryResult }[] = [
  {
    situation: "a scalar (query `1.5`)",
    status: 200,
    body: `{"status":"success","data":{"resultType":"scalar","result":[${T},"1.5"]}}`,
    expected: { kind: "Value", value: 1.5 },
  },
  {
    situation: "a vector of one sample (query `sum(up)`)",
    status: 200,
    body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[${T},"2"]}]}}`,
    expected: { kind: "Value", value: 2 },
  },
  {
    situation: "a vector of one labelled sample in exponent notation",
    status: 200,
    body:
      `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"self"},` +
      `"value":[${T},"1.2e-05"]}]}}`,
    expected: { kind: "Value", value: 0.000012 },
  },
  {
    situation: "an empty vector (a metric that does not exist)",
    status: 200,
    body: `{"status":"success","data":{"resultType":"vector","result":[]}}`,
    expected: { kind: "NoData" },
  },
  {
    situation: "a vector of three series (documented format)",
    status: 200,
    body:
      `{"status":"success","data":{"resultType":"vector","result":[` +
      `{"metric":{"code":"200"},"value":[${T},"19.5"]},{"metric":{"code":"404"},"value":[${T},"0.1"]},` +
      `{"metric":{"code":"500"},"value":[${T},"0.4"]}]}}`,
    expected: { kind: "TooManySeries", series: 3 },
  },
  {
    situation: "NaN (query `vector(0)/vector(0)`)",
    status: 200,
    body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[${T},"NaN"]}]}}`,
    expected: { kind: "NotANumber", raw: "NaN" },
  },
  {
    situation: "+Inf (query `1/0`)",
    status: 200,
    body: `{"status":"success","data":{"resultType":"scalar","result":[${T},"+Inf"]}}`,
    expected: { kind: "NotANumber", raw: "+Inf" },
  },
  {
    situation: "-Inf in a vector",
    status: 200,
    body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[${T},"-Inf"]}]}}`,
    expected: { kind: "NotANumber", raw: "-Inf" },
  },
  {
    situation: "a native histogram sample (documented format)",
    status: 200,
    body:
      `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},` +
      `"histogram":[${T},{"count":"3","sum":"1.5","buckets":[]}]}]}}`,
    expected: { kind: "NotANumber", raw: "a histogram" },
  },
  {
    situation: "an empty range vector (query `up[3s]` before any scrape)",
    status: 200,
    body: `{"status":"success","data":{"resultType":"matrix","result":[]}}`,
    expected: { kind: "NoData" },
  },
  {
    situation: "a range vector (documented format)",
    status: 200,
    body:
      `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"self"},` +
      `"values":[[${T},"1"],[${T + 1},"1"]]}]}}`,
    expected: { kind: "UnexpectedResult", resultType: "matrix" },
  },
  {
    situation: 'a string (query `"hi"`)',
    status: 200,
    body: `{"status":"success","data":{"resultType":"string","result":[${T},"hi"]}}`,
    expected: { kind: "UnexpectedResult", resultType: "string" },
  },
  {
    situation: "a parse error (query `sum(rate(up[10s])`)",
    status: 400,
    body:
      '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:18: parse error: ' +
      'unclosed left parenthesis"}',
    expected: {
      kind: "QueryError",
      errorType: "bad_data",
      error: 'invalid parameter "query": 1:18: parse error: unclosed left parenthesis',
    },
  },
  {
    situation: "an execution error (documented format)",
    status: 422,
    body:
      '{"status":"error","errorType":"execution","error":"found duplicate series for the match group {} on the ' +
      'right hand-side of the operation"}',
    expected: {
      kind: "QueryError",
      errorType: "execution",
      error: "found duplicate series for the match group {} on the right hand-side of the operation",
    },
  },
  {
    situation: "a query timeout (documented format)",
    status: 503,
    body: '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}',
    expected: { kind: "QueryError", errorType: "timeout", error: "query timed out in expression evaluation" },
  },
  {
    situation: "a wrong path (Prometheus's own 404 page)",
    status: 404,
    body: "404 page not found\n",
    expected: {
      kind: "Unreachable",
      message: 'the server answered HTTP 404 with "404 page not found", not a Prometheus API response',
    },
  },
  {
    situation: "a proxy's 502 with an empty body",
    status: 502,
    body: "",
    expected: {
      kind: "Unreachable",
      message: "the server answered HTTP 502 with an empty body, not a Prometheus API response",
    },
  },
  {
    situation: "some other service's JSON at 200",
    status: 200,
    body: '{"ok":true}',
    expected: {
      kind: "Unreachable",
      message: 'the server answered HTTP 200 with "{"ok":true}", not a Prometheus API response',
    },
  },
  {
    situation: "a success envelope at an error status (a proxy rewriting the status)",
    status: 500,
    body: `{"status":"success","data":{"resultType":"scalar","result":[${T},"1"]}}`,
    expected: {
      kind: "Unreachable",
      message:
        `the server answered HTTP 500 with "{"status":"success","data":{"resultType":"scalar","result":[${T},` +
        `"1"]}}", not a Prometheus API response`,
    },
  },
];

describe("interpretQueryResponse", () => {
  for (const row of rows) {
    it(`reads ${row.situation}`, () => {
      assert.deepEqual(interpretQueryResponse(row.status, row.body), row.expected);
    });
  }
});

describe("isTransient", () => {
  const table: [QueryResult, boolean][] = [
    [{ kind: "Unreachable", message: "connection refused" }, true],
    [{ kind: "QueryError", errorType: "timeout", error: "query timed out" }, true],
    [{ kind: "QueryError", errorType: "unavailable", error: "shutting down" }, true],
    [{ kind: "QueryError", errorType: "canceled", error: "canceled" }, true],
    [{ kind: "QueryError", errorType: "bad_data", error: "parse error" }, false],
    [{ kind: "QueryError", errorType: "execution", error: "many-to-many" }, false],
    [{ kind: "NoData" }, false],
    [{ kind: "TooManySeries", series: 2 }, false],
    [{ kind: "NotANumber", raw: "NaN" }, false],
    [{ kind: "Value", value: 1 }, false],
  ];
  for (const [result, transient] of table) {
    it(`${JSON.stringify(result)} is ${transient ? "" : "not "}transient`, () => {
      assert.equal(isTransient(result), transient);
    });
  }
});

describe("describeProblem", () => {
  const table: [QueryProblem, RegExp][] = [
    [{ kind: "NoData" }, /^returned no data \(an empty vector\)/],
    [
      { kind: "TooManySeries", series: 3 },
      /^returned 3 series; the query must return one number: aggregate it, e\.g\. sum\(\.\.\.\)$/,
    ],
    [{ kind: "NotANumber", raw: "NaN" }, /^returned NaN, which is not a number/],
    [{ kind: "UnexpectedResult", resultType: "matrix" }, /^returned a range vector \(matrix\)/],
    [
      { kind: "QueryError", errorType: "bad_data", error: "parse error" },
      /^was rejected by Prometheus \(bad_data\): parse error$/,
    ],
    [
      { kind: "Unreachable", message: "Prometheus at http://p:9090 could not be reached" },
      /^could not be measured: Prometheus at/,
    ],
  ];
  for (const [problem, pattern] of table) {
    it(`says what ${problem.kind} means`, () => {
      const text = describeProblem(problem);
      assert.match(text, pattern);
      assert.doesNotMatch(text, /\.$/, "callers finish the sentence");
    });
  }
});
