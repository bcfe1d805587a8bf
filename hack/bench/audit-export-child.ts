/**
 * One export run in its own process, so its peak memory is its own: `export` runs `stagegate audit export
 * --database-url URL` through the CLI; `raw` reads the same rows with a plain `SELECT ... WHERE seq > $1 ORDER BY
 * seq LIMIT 1000` loop and writes them as JSON lines (the baseline). Output goes to a byte counter; the last line
 * printed is JSON: {ms, maxRssKiB, bytes, code}.
 */
import { Writable } from "node:stream";
import pg from "pg";
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/verb.js";
import { ENTRIES_TABLE } from "../../src/audit/postgres/schema.js";

const [mode = "", url = ""] = process.argv.slice(2);
let bytes = 0;
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    bytes += chunk.length;
    done();
  },
});
const start = performance.now();
let code = 0;
if (mode === "export") {
  const io: CliIo = {
    stdout: (text) => void sink.write(text),
    stderr: () => undefined,
    connect: () => Promise.reject(new Error("no cluster")),
    now: () => new Date(),
  };
  code = await runCli(["audit", "export", "--database-url", url], {}, io, []);
} else {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let after = "0";
  for (;;) {
    const page = await client.query<{ seq: string; entry: string }>(
      `SELECT seq, entry::text AS entry FROM ${ENTRIES_TABLE} WHERE seq > $1 ORDER BY seq LIMIT 1000`,
      [after],
    );
    for (const row of page.rows) sink.write(`${row.entry}\n`);
    const last = page.rows.at(-1);
    if (last === undefined) break;
    after = last.seq;
  }
  await client.end();
}
console.log(
  JSON.stringify({ ms: performance.now() - start, maxRssKiB: process.resourceUsage().maxRSS, bytes, code }),
);
