// A check, not a benchmark of the product: does starting the operator with its inspector on (as `make bench-scale`
// does since run 21 for its heap readings after a forced GC) change what the scale benchmark measures otherwise?
// Starts a local control plane and the compiled operator idle, alternately without and with `--inspect=127.0.0.1:0`,
// and prints RSS and the heap as scraped for each; for the inspector's processes also the heap after GC, and RSS and
// the scraped heap again `--after-seconds` after the session closed.
import { cpus } from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { PROJECT_MANIFEST_DIRS, startLocalCluster } from "../local-cluster/index.js";
import { BenchOptionsError, checkedFlags, readFlags, wholeNumberFlag } from "./bench-options.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage } from "./machine-facts.js";
import { mib } from "./process-memory.js";
import { valueOf } from "./prometheus-text.js";
import { buildOperator, ScaleOperator, scraperToken } from "./scale-operator.js";
import { textTable } from "./stats.js";

const USAGE =
  "Usage: tsx hack/bench/scale-inspector-check.ts [--pairs=2] [--idle-seconds=15] [--after-seconds=15]";
/** The knobs, parsed once at the entry point. */
function parseOptions(argv: readonly string[]): { pairs: number; idleSeconds: number; afterSeconds: number } {
  const values = readFlags(
    argv,
    {
      pairs: { type: "string", default: "2" },
      "idle-seconds": { type: "string", default: "15" },
      "after-seconds": { type: "string", default: "15" },
    },
    USAGE,
  );
  const schema = z.object({
    pairs: wholeNumberFlag("pairs", 1, 10),
    idleSeconds: wholeNumberFlag("idle-seconds", 1, 600),
    afterSeconds: wholeNumberFlag("after-seconds", 1, 600),
  });
  const input = {
    pairs: values.pairs,
    idleSeconds: values["idle-seconds"],
    afterSeconds: values["after-seconds"],
  };
  return checkedFlags(schema, input, USAGE);
}

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();
const pause = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const loadBefore = loadAverage();
  log("Compiling the operator...");
  await buildOperator();
  const cluster = await startLocalCluster({ installCrdsFrom: [...PROJECT_MANIFEST_DIRS] });
  cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: cleanup.failed }));
  const token = await scraperToken(cluster);
  const state = await mkdtemp(path.join(tmpdir(), "stagegate-inspector-check-"));
  cleanup.defer("remove the operator's state", () => rm(state, { recursive: true, force: true }));
  const rows: string[][] = [];
  for (let pair = 0; pair < options.pairs * 2; pair++) {
    const inspector = pair % 2 === 1;
    log(`Operator ${pair + 1} (inspector ${inspector ? "on" : "off"}), idling ${options.idleSeconds} s...`);
    const operator = await ScaleOperator.start(cluster.kubeconfigs.operator ?? "", token, {
      logLevel: "info",
      auditLog: path.join(state, `audit-${pair}.jsonl`),
      inspector,
    });
    try {
      await operator.waitUntilLeading(120_000);
      await pause(options.idleSeconds);
      const { rss } = await operator.memory();
      const heap = valueOf(await operator.metrics(), "nodejs_heap_size_used_bytes");
      const row = [inspector ? "on" : "off", mib(rss), heap === undefined ? "n/a" : mib(heap)];
      if (inspector) {
        const afterGc = await operator.heapUsedAfterGc();
        await pause(options.afterSeconds);
        const rssAfter = (await operator.memory()).rss;
        const heapAfter = valueOf(await operator.metrics(), "nodejs_heap_size_used_bytes");
        row.push(mib(afterGc), mib(rssAfter), heapAfter === undefined ? "n/a" : mib(heapAfter));
      } else row.push("-", "-", "-");
      rows.push(row);
    } finally {
      await operator.stop(false);
    }
  }
  console.log(
    textTable(
      [
        "inspector",
        "idle RSS MiB",
        "idle heap used MiB (scraped)",
        "heap after GC MiB",
        `RSS ${options.afterSeconds} s after the session`,
        "heap used then (scraped)",
      ],
      rows,
    ),
  );
  console.log(
    `load average (1/5/15 min): ${loadBefore} before, ${loadAverage()} after; ${cpus().length} cores`,
  );
}

await cleanup.finish(main, (err) => (err instanceof BenchOptionsError ? err.message : err));
