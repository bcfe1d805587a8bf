import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { kubeconfigPath, testCluster } from "../../support/cluster.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin");
const run = promisify(execFile);

describe("bin/stagegate and the kubectl plugin", () => {
  it("runs as `kubectl stagegate` through a symlink on PATH, from outside the repository", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "stagegate-plugin-"));
    await symlink(path.join(BIN, "kubectl-stagegate"), path.join(dir, "kubectl-stagegate"));
    const { stdout } = await run("kubectl", ["stagegate", "whoami", "-o", "json"], {
      cwd: dir,
      env: {
        PATH: [dir, testCluster().binDir, "/usr/bin", "/bin"].join(path.delimiter),
        HOME: dir,
        KUBECONFIG: kubeconfigPath("carol"),
      },
      timeout: 60_000,
    });
    assert.equal((JSON.parse(stdout) as { username: string }).username, "carol");
  });

  it("exits 2 with the usage for an unknown verb when run through a symlink", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "stagegate-bin-"));
    await symlink(path.join(BIN, "stagegate"), path.join(dir, "stagegate"));
    const result = await run(path.join(dir, "stagegate"), ["frobnicate"], { cwd: dir, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"[^]*Usage: stagegate <command>/);
  });
});
