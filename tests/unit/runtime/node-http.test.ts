// An ES import of `node:http` loads Node's bundled undici (ADR 0034, amended): the operator takes the module with
// process.getBuiltinModule (src/runtime/node-http.ts), so `run` must load no undici at all.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The undici modules a fresh process has loaded after importing `specifier` (through tsx, as the tests run). */
async function undiciAfterImporting(specifier: string): Promise<string[]> {
  const script =
    `await import(${JSON.stringify(specifier)});` +
    `console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("undici"))));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    { cwd: repo },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[];
}

describe("the operator's use of node:http", () => {
  it("an ES import of node:http loads undici on this Node (what the check below detects)", async () => {
    assert.notDeepEqual(await undiciAfterImporting("node:http"), []);
  });

  it("importing `run` and everything it loads leaves undici unloaded", async () => {
    const run = pathToFileURL(path.join(repo, "src/cmd/run.ts")).href;
    assert.deepEqual(await undiciAfterImporting(run), []);
  });
});
