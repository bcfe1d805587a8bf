/**
 * Benchmark (not a test): the insights over a year of records against reading the same trail with
 * `stagegate audit export`, measured in the same run on the same machine. Writes a year of promotions to one sealed
 * file trail (hack/bench/insights-year.ts), then runs each command in its own process, alternating, `--runs` times:
 *
 * - baseline: `stagegate audit export FILE` (verifies the chain, then writes every entry as a JSON line);
 * - `stagegate insights failures FILE --since 2026-01-01 --until 2027-01-01 -o json`, and with `-l team=payments`;
 * - `stagegate retro RELEASE -n NAMESPACE FILE`;
 * - `stagegate insights dora --by team`, `insights cycle-time` and `insights bottlenecks` over the year.
 *
 * Prints the median time of each, its ratio to the baseline's median, and its peak memory. Flags: --per-day=N
 * (promotions a day, default 30), --runs=N (default 3).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadAverage } from "./machine-facts.js";
import { writeYearTrail } from "./insights-year.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const flag = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = found === undefined ? fallback : Number(found.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number of at least 1`);
  return value;
};
const perDay = flag("per-day", 30);
const runs = flag("runs", 3);

interface ChildResult {
  ms: number;
  maxRssKiB: number;
  bytes: number;
  code: number;
}

function runChild(args: readonly string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(HERE, "insights-child.ts"), ...args],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("close", () => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(last) as ChildResult);
      } catch {
        reject(new Error(`the child printed no result: ${out}`));
      }
    });
  });
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const dir = await mkdtemp(path.join(os.tmpdir(), "stagegate-bench-insights-"));
try {
  const file = path.join(dir, "audit-0.jsonl");
  const written = performance.now();
  const year = await writeYearTrail(file, perDay);
  const size = (await stat(file)).size;
  console.log(
    `Trail: ${year.entries} entries, ${year.promotions} promotions over 2026, ${(size / 2 ** 20).toFixed(1)} MiB ` +
      `(written in ${((performance.now() - written) / 1000).toFixed(1)} s).`,
  );
  console.log(`Machine: ${os.cpus().length} cores, load average ${loadAverage()}, node ${process.version}.`);
  const year2026 = ["--since", "2026-01-01T00:00:00Z", "--until", "2027-01-01T00:00:00Z"];
  const commands: [string, string[]][] = [
    ["audit export (baseline)", ["audit", "export", file]],
    ["insights failures -o json", ["insights", "failures", file, ...year2026, "-o", "json"]],
    [
      "insights failures -l team=payments",
      ["insights", "failures", file, ...year2026, "-l", "team=payments", "-o", "json"],
    ],
    ["retro RELEASE", ["retro", year.release.name, "-n", year.release.namespace, file]],
    ["insights dora --by team", ["insights", "dora", file, ...year2026, "--by", "team", "-o", "json"]],
    ["insights cycle-time", ["insights", "cycle-time", file, ...year2026, "-o", "json"]],
    ["insights bottlenecks", ["insights", "bottlenecks", file, ...year2026, "-o", "json"]],
  ];
  const results = new Map<string, ChildResult[]>(commands.map(([name]) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (const [name, args] of commands) {
      const result = await runChild(args);
      if (result.code !== 0) throw new Error(`${name} exited ${result.code}`);
      results.get(name)?.push(result);
    }
  }
  const baseline = median((results.get(commands[0]?.[0] ?? "") ?? []).map((r) => r.ms));
  console.log(`\n| command | median ms (${runs} runs) | ratio to audit export | peak RSS MiB | output KiB |`);
  console.log("| --- | --- | --- | --- | --- |");
  for (const [name] of commands) {
    const list = results.get(name) ?? [];
    const ms = median(list.map((r) => r.ms));
    const rss = Math.max(...list.map((r) => r.maxRssKiB)) / 1024;
    const out = (list[0]?.bytes ?? 0) / 1024;
    console.log(
      `| ${name} | ${ms.toFixed(0)} | ${(ms / baseline).toFixed(2)} | ${rss.toFixed(0)} | ${out.toFixed(0)} |`,
    );
  }
  console.log(`\nLoad average after: ${loadAverage()}.`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
