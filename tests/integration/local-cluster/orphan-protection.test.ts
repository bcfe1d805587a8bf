import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isPidAlive, pollUntil, resolveBinDir } from "../../../hack/local-cluster/index.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const LIBRARY = join(REPO_ROOT, "hack", "local-cluster", "index.ts");

/** What the child reports once its etcd is healthy. */
interface ChildReport {
  readonly pid: number;
  readonly clientUrl: string;
}

/**
 * Starts a Node child that starts a real etcd through the library (which waits for etcd's /health), reports
 * its pid, then either exits at once without stopping it (`exit`) or idles until killed (`idle`).
 */
async function startChildWithEtcd(mode: "exit" | "idle", binDir: string, dir: string) {
  const script = `
    const { startEtcd } = await import(${JSON.stringify(LIBRARY)});
    const etcd = await startEtcd({ binDir: ${JSON.stringify(binDir)}, dir: ${JSON.stringify(dir)} });
    console.log(JSON.stringify({ pid: etcd.process.pid, clientUrl: etcd.clientUrl }));
    if (${JSON.stringify(mode)} === "exit") process.exit(0);
    setInterval(() => {}, 60_000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  const report = await pollUntil(
    "the child to report its etcd pid",
    () => (out.includes("\n") ? (JSON.parse(out.split("\n")[0] ?? "") as ChildReport) : undefined),
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  return { child, report };
}

/** Whether an HTTP GET to etcd's /health gets any answer. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

for (const mode of ["exit", "idle"] as const) {
  const how = mode === "exit" ? "exits normally without stopping it" : "is killed with SIGKILL";
  void test(`etcd dies when the Node process that started it ${how}`, { timeout: 120_000 }, async () => {
    const binDir = await resolveBinDir();
    const dir = await mkdtemp(join(tmpdir(), "stagegate-orphan-"));
    try {
      const { child, report } = await startChildWithEtcd(mode, binDir, dir);
      if (mode === "idle") {
        assert.equal(await answers(report.clientUrl), true, "etcd should serve while its parent lives");
        child.kill("SIGKILL");
      }
      await pollUntil("etcd to die with its parent", () => (isPidAlive(report.pid) ? undefined : true), {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      assert.equal(await answers(report.clientUrl), false, "no etcd may keep listening");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
