import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  isPidAlive,
  LocalClusterError,
  startLocalCluster,
  type LocalCluster,
} from "../../../hack/local-cluster/index.js";

/** Resolves true if something accepts TCP connections on the URL's host and port. */
async function isListening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Pids of live processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text) && isPidAlive(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

void test("a failed start throws with the apiserver's own words and leaves nothing running", async () => {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-failed-start-"));
  try {
    await assert.rejects(
      startLocalCluster({ dir, thirdPartyCrds: false, extraApiserverFlags: ["--no-such-flag=1"] }),
      (error: unknown) => {
        assert.ok(error instanceof LocalClusterError);
        assert.match(error.message, /kube-apiserver exited during startup/);
        assert.match(error.message, /unknown flag: --no-such-flag/);
        return true;
      },
    );
    assert.deepEqual(processesMentioning(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void describe("local cluster process control", () => {
  let cluster: LocalCluster;

  before(
    async (t) => {
      const started = Date.now();
      cluster = await startLocalCluster({ thirdPartyCrds: false });
      t.diagnostic(`cluster without third-party CRDs started in ${Date.now() - started} ms`);
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await cluster?.stop();
  });

  void test("kill() then restart() brings the apiserver back with etcd's data intact", async (t) => {
    const created = await cluster.kubectl("admin", ["create", "configmap", "survivor", "--from-literal=k=v"]);
    assert.equal(created.code, 0, created.stderr);
    const oldPid = cluster.apiserver.pid;

    await cluster.apiserver.kill();
    assert.equal(cluster.apiserver.running, false);
    assert.equal(isPidAlive(oldPid ?? -1), false);
    const whileDown = await cluster.kubectl("admin", ["get", "--raw", "/readyz", "--request-timeout=2s"]);
    assert.notEqual(whileDown.code, 0);

    const started = Date.now();
    await cluster.apiserver.restart();
    t.diagnostic(`apiserver restarted in ${Date.now() - started} ms`);
    assert.notEqual(cluster.apiserver.pid, oldPid);
    const read = await cluster.kubectl("admin", ["get", "configmap", "survivor", "-o", "jsonpath={.data.k}"]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, "v");
  });

  void test("pause() freezes the apiserver and resume() thaws it", async () => {
    cluster.apiserver.pause();
    try {
      const frozen = await cluster.kubectl("admin", ["get", "--raw", "/readyz", "--request-timeout=1s"]);
      assert.notEqual(frozen.code, 0, "a paused apiserver must not answer");
      assert.equal(cluster.apiserver.running, true);
    } finally {
      cluster.apiserver.resume();
    }
    const thawed = await cluster.kubectl("admin", ["get", "--raw", "/readyz", "--request-timeout=10s"]);
    assert.equal(thawed.code, 0, thawed.stderr);
    assert.equal(thawed.stdout.trim(), "ok");
  });

  void test("stop() leaves no process alive, no etcd listening and no state dir", async () => {
    const pids = [cluster.etcd.pid, cluster.apiserver.pid];
    await cluster.stop();
    for (const pid of pids) assert.equal(isPidAlive(pid ?? -1), false, `pid ${pid} is still alive`);
    assert.equal(await isListening(cluster.etcdUrl), false, "etcd still listens");
    assert.equal(await isListening(cluster.server), false, "kube-apiserver still listens");
    assert.equal(existsSync(cluster.dir), false);
  });
});
