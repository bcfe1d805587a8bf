/**
 * One CLI run in its own process, so its time and peak memory are its own: `stagegate ARGS` through the CLI with
 * stdout counted and dropped. The last line printed is JSON: {ms, maxRssKiB, bytes, code}.
 */
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/verb.js";

let bytes = 0;
const io: CliIo = {
  stdout: (text) => void (bytes += Buffer.byteLength(text)),
  stderr: () => undefined,
  connect: () => Promise.reject(new Error("no cluster")),
  now: () => new Date(),
};
const start = performance.now();
const code = await runCli(process.argv.slice(2), {}, io, []);
console.log(
  JSON.stringify({ ms: performance.now() - start, maxRssKiB: process.resourceUsage().maxRSS, bytes, code }),
);
