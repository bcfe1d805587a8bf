/**
 * `make bench-audit-feed`: the GRC feed and `stagegate audit export` over a record of 1,000,000 entries in a real
 * PostgreSQL, each against a raw baseline measured in the same run (docs/benchmarks.md). Not a test: nothing here
 * asserts a time.
 *
 * - Feed: a client pages through the whole record over HTTPS with the cursor (`limit=1000`), parsing each page,
 *   twice: the first pass also verifies the chain (incrementally, as the pages go), the second finds it verified.
 *   Baseline: the raw loop `SELECT seq, entry FROM entries WHERE seq > $1 ORDER BY seq LIMIT 1000`, rows parsed.
 *   The feed's authorizer admits every caller here: in production the API server's answer is cached per token for
 *   10 s, so a GRC client paging costs a review every 10 s, not per page.
 * - Export: `stagegate audit export --database-url` (verify pass, then the export pass) in a child process, time and
 *   peak RSS; baseline: a child doing the raw SELECT loop and writing JSON lines.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { ChainVerifier } from "../../src/audit/feed/chain-status.js";
import { postgresFeedSource } from "../../src/audit/feed/postgres-source.js";
import { feedHandler, sendProblem } from "../../src/audit/feed/route.js";
import { ENTRIES_TABLE } from "../../src/audit/postgres/schema.js";
import { startHttpsServer } from "../../src/runtime/https-server.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { createAuditDatabase } from "../../tests/support/postgres.js";
import { writeSelfSignedMetricsCert } from "../../tests/support/operator-metrics.js";
import { startPostgres } from "../postgres/index.js";
import { loadRecord } from "./audit-records.js";
import { textTable } from "./stats.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000000" },
    "keep-logs": { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const log = (line: string): void => console.error(`[bench] ${line}`);
const loads = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** GETs one page of the feed; its parsed body. */
function getPage(
  base: string,
  caPem: string,
  query: string,
): Promise<{
  items: unknown[];
  nextCursor: string;
  more: boolean;
  chain: { intact: boolean; verifiedThrough: number };
}> {
  return new Promise((resolve, reject) => {
    https
      .get(
        new URL(`/audit/v1/records${query}`, base),
        { ca: caPem, headers: { Authorization: "Bearer bench" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            if (res.statusCode !== 200) reject(new Error(`feed answered ${res.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as never);
          });
        },
      )
      .on("error", reject);
  });
}

const startLoad = loads();
const server = await startPostgres();
const dir = mkdtempSync(path.join(tmpdir(), "stagegate-bench-feed-"));
let failed = true;
try {
  const db = await createAuditDatabase(server);
  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  const loadMs = await loadRecord(admin, count, log);
  await admin.end();
  log(`loaded ${count} entries in ${(loadMs / 1000).toFixed(1)} s`);

  // Feed baseline: the raw SELECT loop, rows parsed as the feed's client parses its pages.
  const raw = new pg.Client({ connectionString: db.operatorUrl });
  await raw.connect();
  const t = performance.now();
  let rawRows = 0;
  for (let after = "0"; ;) {
    const page = await raw.query<{ seq: string; entry: string }>(
      `SELECT seq, entry::text AS entry FROM ${ENTRIES_TABLE} WHERE seq > $1 ORDER BY seq LIMIT 1000`,
      [after],
    );
    for (const row of page.rows) JSON.parse(row.entry);
    rawRows += page.rows.length;
    const last = page.rows.at(-1);
    if (last === undefined) break;
    after = last.seq;
  }
  const rawMs = performance.now() - t;
  await raw.end();
  log(`raw SELECT loop: ${rawRows} rows in ${(rawMs / 1000).toFixed(1)} s`);

  const caPem = writeSelfSignedMetricsCert(dir);
  const source = await postgresFeedSource({ url: db.operatorUrl });
  const feed = await startHttpsServer({
    address: "127.0.0.1:0",
    certFile: path.join(dir, "tls.crt"),
    keyFile: path.join(dir, "tls.key"),
    log: silentLogger,
    handle: feedHandler({
      authorizer: { authorize: () => Promise.resolve({ allowed: true, user: "bench" }) },
      source,
      verifier: new ChainVerifier(source),
      log: silentLogger,
    }),
    answerFailure: (res) => sendProblem(res, 500, "InternalError", "failed"),
    messages: { requestFailed: "Failed", serverFailed: "Failed" },
  });
  const base = `https://127.0.0.1:${feed.port}`;
  const pageThrough = async (): Promise<{
    ms: number;
    entries: number;
    pages: number;
    verifiedThrough: number;
  }> => {
    const begun = performance.now();
    let entries = 0;
    let pages = 0;
    let verifiedThrough: number;
    for (let cursor = ""; ;) {
      const page = await getPage(base, caPem, `?limit=1000${cursor === "" ? "" : `&after=${cursor}`}`);
      entries += page.items.length;
      pages += 1;
      verifiedThrough = page.chain.verifiedThrough;
      cursor = page.nextCursor;
      if (!page.more) break;
    }
    return { ms: performance.now() - begun, entries, pages, verifiedThrough };
  };
  const first = await pageThrough();
  log(`feed, first pass: ${first.entries} entries in ${(first.ms / 1000).toFixed(1)} s`);
  const second = await pageThrough();
  log(`feed, second pass: ${second.entries} entries in ${(second.ms / 1000).toFixed(1)} s`);
  await feed.close();
  await source.close();

  // The CLI refuses a password in --database-url; the children log in with $PGPASSWORD, as an auditor would.
  const passwordless = db.operatorUrl.replace(`:${db.rolePassword}@`, "@");
  const child = (mode: string): { ms: number; maxRssKiB: number; bytes: number; code: number } => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "audit-export-child.ts"), mode, passwordless],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, PGPASSWORD: db.rolePassword },
      },
    );
    return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as never;
  };
  const rawExport = child("raw");
  log(`raw export: ${(rawExport.ms / 1000).toFixed(1)} s, ${rawExport.maxRssKiB} KiB`);
  const exported = child("export");
  log(
    `stagegate audit export: ${(exported.ms / 1000).toFixed(1)} s, ${exported.maxRssKiB} KiB, exit ${exported.code}`,
  );

  console.log(
    `Audit feed and export: ${count} entries in PostgreSQL (${(loadMs / 1000).toFixed(0)} s to load); ` +
      `${cpus().length} cores, Node ${process.version}; load ${startLoad} before, ${loads()} after\n`,
  );
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const perSec = (n: number, ms: number): string => Math.round((n * 1000) / ms).toString();
  console.log(
    textTable(
      ["series", "entries", "time (s)", "entries/s", "vs baseline"],
      [
        ["raw SELECT loop, LIMIT 1000 (baseline)", String(rawRows), s(rawMs), perSec(rawRows, rawMs), "1.00"],
        [
          "feed, limit=1000, first pass (verifies)",
          String(first.entries),
          s(first.ms),
          perSec(first.entries, first.ms),
          (first.ms / rawMs).toFixed(2),
        ],
        [
          "feed, limit=1000, second pass",
          String(second.entries),
          s(second.ms),
          perSec(second.entries, second.ms),
          (second.ms / rawMs).toFixed(2),
        ],
      ],
    ),
  );
  console.log("");
  console.log(
    textTable(
      ["series", "time (s)", "peak RSS (MiB)", "output (MiB)", "time vs baseline", "RSS vs baseline"],
      [
        [
          "raw SELECT loop to JSON lines (baseline)",
          s(rawExport.ms),
          (rawExport.maxRssKiB / 1024).toFixed(0),
          (rawExport.bytes / 2 ** 20).toFixed(0),
          "1.00",
          "1.00",
        ],
        [
          "stagegate audit export --database-url",
          s(exported.ms),
          (exported.maxRssKiB / 1024).toFixed(0),
          (exported.bytes / 2 ** 20).toFixed(0),
          (exported.ms / rawExport.ms).toFixed(2),
          (exported.maxRssKiB / rawExport.maxRssKiB).toFixed(2),
        ],
      ],
    ),
  );
  failed =
    first.entries !== count ||
    second.entries !== count ||
    first.verifiedThrough !== count ||
    exported.code !== 0;
  if (failed) console.log("\nSOMETHING IS WRONG: the feed or the export did not return every entry verified");
} finally {
  rmSync(dir, { recursive: true, force: true });
  await server.stop({ keepLogs: values["keep-logs"] || failed });
}
process.exit(failed ? 1 : 0);
