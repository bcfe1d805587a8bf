import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { instantQueryURL, queryInstant } from "../../../src/monitoring/prometheus-client.js";

const AT = new Date("2026-11-26T10:00:05.250Z");
const QUERY = {
  prometheusURL: "http://prometheus.monitoring:9090",
  query: 'sum(rate(x{code=~"5.."}[1m]))',
  at: AT,
};

/** A fetch answering every request with `status` and `body`, recording the URLs asked for. */
function answering(status: number, body: string, asked: string[] = []): typeof fetch {
  return (input) => {
    asked.push(input instanceof URL ? input.href : input instanceof Request ? input.url : input);
    return Promise.resolve(new Response(body, { status }));
  };
}

describe("instantQueryURL", () => {
  it("asks /api/v1/query with the expression, the instant in unix seconds and the timeout", () => {
    const url = instantQueryURL(QUERY, 10_000);
    assert.equal(url.origin + url.pathname, "http://prometheus.monitoring:9090/api/v1/query");
    assert.equal(url.searchParams.get("query"), 'sum(rate(x{code=~"5.."}[1m]))');
    assert.equal(url.searchParams.get("time"), "1795687205.250");
    assert.equal(url.searchParams.get("timeout"), "10000ms");
  });

  it("keeps a path prefix of the base URL, with or without a trailing slash", () => {
    for (const base of ["http://gw/prometheus", "http://gw/prometheus/"]) {
      const url = instantQueryURL({ ...QUERY, prometheusURL: base }, 5_000);
      assert.equal(url.pathname, "/prometheus/api/v1/query");
    }
  });
});

describe("queryInstant", () => {
  it("returns the number Prometheus computed", async () => {
    const asked: string[] = [];
    const body =
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.012"]}]}}';
    const result = await queryInstant(QUERY, { fetch: answering(200, body, asked) });
    assert.deepEqual(result, { kind: "Value", value: 0.012 });
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? "", /time=1795687205\.250/);
  });

  it("reports a refused connection as Unreachable, naming the URL and the system error", async () => {
    const refused: typeof fetch = () =>
      Promise.reject(
        new TypeError("fetch failed", {
          cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
        }),
      );
    const result = await queryInstant(QUERY, { fetch: refused });
    assert.deepEqual(result, {
      kind: "Unreachable",
      message:
        "Prometheus at http://prometheus.monitoring:9090 could not be reached: fetch failed " +
        "(connect ECONNREFUSED 127.0.0.1:1)",
    });
  });

  it("reports a query that outlives its timeout as Unreachable", async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error));
      });
    const result = await queryInstant(QUERY, { fetch: hanging, timeoutMs: 20 });
    assert.deepEqual(result, {
      kind: "Unreachable",
      message: "Prometheus at http://prometheus.monitoring:9090 did not answer within 20 ms",
    });
  });

  it("rejects, measuring nothing, when the caller aborts", async () => {
    const stop = new AbortController();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error));
      });
    const pending = queryInstant(QUERY, { fetch: hanging, signal: stop.signal, timeoutMs: 60_000 });
    stop.abort();
    await assert.rejects(pending, { name: "AbortError" });
  });

  it("reports a URL that cannot be used as Unreachable", async () => {
    const result = await queryInstant(
      { ...QUERY, prometheusURL: "not a url" },
      { fetch: answering(200, "") },
    );
    assert.equal(result.kind, "Unreachable");
    assert.match(result.kind === "Unreachable" ? result.message : "", /^not a url is not a usable URL/);
  });
});
