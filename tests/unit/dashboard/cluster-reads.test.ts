// A page reads every cluster at once (acrossClusters): it waits for its slowest cluster, not for the sum of them,
// keeps the rows in the order home, then the clusters as given, and turns another cluster's failure into words
// without losing the other rows. The clients here are never called; the reads are the page's own functions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acrossClusters, type ClusterView } from "../../../src/dashboard/cluster-reads.js";
import type { ClusterDirectory, ClusterEndpoint } from "../../../src/dashboard/clusters.js";
import { SessionStore, type Session } from "../../../src/dashboard/sessions.js";
import { ApiError } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeCredentials } from "../../../src/runtime/kube/kube-credentials.js";

const client = { close: () => undefined } as unknown as KubeClient;
const ann = { username: "ann", groups: [] };
const endpoint = (name: string): ClusterEndpoint => ({
  name,
  server: {} as KubeCredentials,
  sameToken: false,
});
const clusters: ClusterDirectory = {
  home: "home",
  extra: [endpoint("east"), endpoint("west"), endpoint("north")],
};

/** ann, signed in at home, on east and on west; never tried on north. */
function session(): Session {
  const opened = new SessionStore({ idleMs: 60_000 }).open(
    ann,
    client,
    () => Promise.resolve(ann),
    undefined,
  );
  for (const name of ["east", "west"]) {
    opened.clusters.set(name, {
      state: "signed-in",
      client,
      identity: ann,
      via: "own token",
      closers: new Set(),
    });
  }
  return opened;
}

/** A read per cluster that resolves only when the test says so, recording which reads have started. */
function gatedReads(): {
  read: (view: ClusterView) => Promise<string>;
  started: string[];
  release: (cluster: string, outcome?: Error) => void;
} {
  const started: string[] = [];
  const gates = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  return {
    started,
    read: (view) =>
      new Promise<string>((resolve, reject) => {
        started.push(view.cluster);
        gates.set(view.cluster, { resolve, reject });
      }),
    release: (cluster, outcome) => {
      const gate = gates.get(cluster);
      assert.ok(gate !== undefined, `the read of ${cluster} started`);
      if (outcome === undefined) gate.resolve(`rows of ${cluster}`);
      else gate.reject(outcome);
    },
  };
}

describe("acrossClusters", () => {
  it("starts every signed-in cluster's read before any has answered", async () => {
    const { read, started, release } = gatedReads();
    const reads = acrossClusters(session(), clusters, read);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([...started].sort(), ["east", "home", "west"]);
    // Answers in reverse order; the rows still come home first, then as the clusters were given.
    release("west");
    release("east");
    release("home");
    const { results, notices, notSignedIn } = await reads;
    assert.deepEqual(
      results.map((r) => r.value),
      ["rows of home", "rows of east", "rows of west"],
    );
    assert.deepEqual(notices, []);
    assert.deepEqual(
      notSignedIn.map((n) => n.cluster),
      ["north"],
    );
  });

  it("keeps the other rows when one cluster fails, and says which failed and how", async () => {
    const { read, release } = gatedReads();
    const signedIn = session();
    const reads = acrossClusters(signedIn, clusters, read);
    await new Promise((resolve) => setImmediate(resolve));
    release("home");
    release("east", new ApiError(401, "Unauthorized", "token expired"));
    release("west", new Error("connect ECONNREFUSED 127.0.0.1:6443"));
    const { results, notices, notSignedIn } = await reads;
    assert.deepEqual(
      results.map((r) => r.view.cluster),
      ["home"],
    );
    assert.deepEqual(notices, ["Cluster west is unavailable: connect ECONNREFUSED 127.0.0.1:6443"]);
    assert.deepEqual(
      notSignedIn.map((n) => n.cluster),
      ["east", "north"],
    );
    assert.equal(
      signedIn.clusters.get("east")?.state,
      "refused",
      "a 401 there signs the session out of east only",
    );
  });

  it("lets the home cluster's failure reach the page, once the other reads have finished", async () => {
    const { read, release } = gatedReads();
    const signedIn = session();
    const reads = acrossClusters(signedIn, clusters, read);
    await new Promise((resolve) => setImmediate(resolve));
    let settled = false;
    const failure = reads.then(
      () => assert.fail("the home failure reached no one"),
      (error: unknown) => {
        settled = true;
        return error;
      },
    );
    release("home", new ApiError(401, "Unauthorized", "token revoked"));
    release("east");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, "west is still being read");
    release("west", new ApiError(401, "Unauthorized", "no"));
    const error = await failure;
    assert.ok(error instanceof ApiError && error.status === 401);
    assert.equal(signedIn.clusters.get("west")?.state, "refused");
  });
});
