// `make bench-dashboard` (issue 13): the dashboard's first load and board update latency with many releases, each
// against the raw API doing the same in the same run: the board page (list, view models, HTML) against listing the
// same releases with the same token; a row pushed over Server-Sent Events after a status write against the same
// write seen on a raw watch with the same token. Starts its own local control plane; the dashboard runs in this
// process. Prints tables and ratios; asserts nothing on a timing.
import { spawn } from "node:child_process";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { releaseKind } from "../../src/api/v1alpha1/release.js";
import { resourceOf } from "../../src/api/v1alpha1/resource-type.js";
import { startDashboard } from "../../src/dashboard/server.js";
import { userClient } from "../../src/dashboard/user-client.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { leanKubeCredentials } from "../../src/runtime/kube/kube-credentials.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { coreResources } from "../../tests/support/core-resources.js";
import { requestToken } from "../../tests/support/service-account-token.js";
import { createWebhookTls } from "../local-cluster/webhook-tls.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster } from "../local-cluster/index.js";
import { BenchOptionsError, checkedFlags, readFlags, wholeNumberFlag } from "./bench-options.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage, machineFacts } from "./machine-facts.js";
import { latencyTable, summarize } from "./stats.js";

const USAGE = "Usage: tsx hack/bench/dashboard.ts [--releases=10000] [--loads=5] [--updates=40]";
const Options = z.object({
  releases: wholeNumberFlag("releases", 1, 50_000).default(10_000),
  loads: wholeNumberFlag("loads", 1, 100).default(5),
  updates: wholeNumberFlag("updates", 1, 1_000).default(40),
});
const NAMESPACE = "dashboard-bench";
const release = resourceOf(releaseKind);

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Runs `work` over `items` with `width` in flight. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** A release's status; `step` makes each write a change (an unchanged status is no event). */
const statusOf = (i: number, state: string, step = 0) => ({
  environments: [
    { name: "dev", state: "Verified" },
    { name: "prod", state, reasons: [`ChangeRequest r-${i}-prod is not approved yet (check ${step}).`] },
  ],
});

/** One HTTPS request to the dashboard with the session cookie; resolves with the status and the body's length. */
function get(url: string, cookie: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, headers: { Cookie: cookie } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on("error", reject);
  });
}

/** Signs in with `token` and returns the session cookie. */
function signIn(base: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${base}/sign-in`, {
      method: "POST",
      rejectUnauthorized: false,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    req.on("response", (res) => {
      res.resume();
      const cookie = (res.headers["set-cookie"] ?? [])[0]?.split(";")[0];
      if (res.statusCode === 303 && cookie !== undefined) resolve(cookie);
      else reject(new Error(`sign-in answered ${String(res.statusCode)}`));
    });
    req.on("error", reject);
    req.end(`token=${encodeURIComponent(token)}`);
  });
}

/**
 * An SSE stream's row events, read by curl (a client in another process, as a browser is): the rows seen, and a
 * way to wait for the next row of one id.
 */
function openRowStream(
  url: string,
  cookie: string,
): { rows: () => number; next(id: string): Promise<number>; close(): void } {
  const waiters = new Map<string, (at: number) => void>();
  let rows = 0;
  let buffer = "";
  const curl = spawn(
    "curl",
    ["-sk", "-N", "-H", `Cookie: ${cookie}`, "-H", "Accept: text/event-stream", url],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  curl.stdout.setEncoding("utf8");
  curl.stdout.on("data", (chunk: string) => {
    const at = performance.now();
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!message.startsWith("event: row")) continue;
      rows += 1;
      const { id } = JSON.parse(message.slice(message.indexOf("data: ") + 6)) as { id: string };
      waiters.get(id)?.(at);
      waiters.delete(id);
    }
  });
  return {
    rows: () => rows,
    next: (id) => new Promise((done) => waiters.set(id, done)),
    close: () => void curl.kill(),
  };
}

async function main(): Promise<void> {
  const options = checkedFlags(
    Options,
    readFlags(
      process.argv.slice(2),
      { releases: { type: "string" }, loads: { type: "string" }, updates: { type: "string" } },
      USAGE,
    ),
    USAGE,
  );
  log("Starting a local control plane...");
  const cluster = await startLocalCluster({ installCrdsFrom: [...PROJECT_MANIFEST_DIRS] });
  cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: cleanup.failed }));
  const adminConfig = cluster.kubeconfigs.admin ?? "";
  const admin = await KubeClient.connect(adminConfig);
  cleanup.defer("close the admin client", () => admin.close());
  await admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NAMESPACE },
  });
  await admin.create(
    coreResources.serviceAccount,
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader" } },
    NAMESPACE,
  );
  await admin.create(
    {
      group: "rbac.authorization.k8s.io",
      version: "v1",
      plural: "clusterrolebindings",
      kind: "ClusterRoleBinding",
      namespaced: false,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "dashboard-bench-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-viewer" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: NAMESPACE }],
    },
  );
  const token = await requestToken(admin, NAMESPACE, "reader");

  log(`Creating ${options.releases} releases with their status...`);
  const started = performance.now();
  const indexes = Array.from({ length: options.releases }, (_, i) => i);
  await inParallel(indexes, 16, async (i) => {
    const name = `r-${i}`;
    await admin.create(
      release,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Release",
        metadata: { name, labels: { "stagegate.io/team": `team-${i % 20}` } },
        spec: {
          version: "1.0.0",
          source: { repoURL: "https://git.example.com/shop.git", revision: "a".repeat(40), commits: [] },
          pipeline: ["dev", "prod"],
          owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
        },
      },
      NAMESPACE,
    );
    await admin.patch(
      release,
      name,
      NAMESPACE,
      { status: statusOf(i, "Gated") },
      { type: "merge", subresource: "status" },
    );
  });
  log(`Created them in ${((performance.now() - started) / 1000).toFixed(1)} s.`);

  const credentials = leanKubeCredentials(adminConfig);
  if (credentials === undefined) throw new Error("the admin kubeconfig is not lean");
  const tls = await createWebhookTls();
  cleanup.defer("remove the dashboard's certificate", () => tls.remove());
  const dashboard = await startDashboard({
    address: "127.0.0.1:0",
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    apiServer: credentials,
    reviews: admin.transport,
    fallbackNamespaces: [],
    sessionIdleSeconds: 3600,
    log: silentLogger,
  });
  cleanup.defer("stop the dashboard", () => dashboard.close());
  const base = `https://127.0.0.1:${dashboard.port}`;
  const cookie = await signIn(base, token);
  const reader = userClient(credentials, token);
  cleanup.defer("close the reader's client", () => reader.close());

  log(
    `First load: the board page against a raw list of the same releases with the same token, ${options.loads} times each...`,
  );
  const board: number[] = [];
  const raw: number[] = [];
  let bytes = 0;
  for (let i = 0; i < options.loads; i++) {
    let at = performance.now();
    let token: string | undefined;
    let listed = 0;
    do {
      const page = await reader.list(release, { limit: 500, continue: token });
      listed += page.items.length;
      token = page.continue;
    } while (token !== undefined);
    raw.push(performance.now() - at);
    if (listed !== options.releases) throw new Error(`the raw list found ${listed} releases`);
    at = performance.now();
    const answer = await get(`${base}/`, cookie);
    board.push(performance.now() - at);
    if (answer.status !== 200) throw new Error(`the board answered ${answer.status}`);
    bytes = answer.bytes;
  }

  log(
    `Updates: a status write until the row arrives over SSE, against the same write seen on a raw watch, ${options.updates} times each...`,
  );
  const stream = openRowStream(`${base}/events`, cookie);
  cleanup.defer("close the row stream", () => stream.close());
  while (stream.rows() < options.releases) await new Promise((r) => setTimeout(r, 100));
  const listed = await reader.list(release, { namespace: NAMESPACE, limit: 1 });
  const watch = await reader.watch(release, {
    namespace: NAMESPACE,
    resourceVersion: listed.resourceVersion,
    timeoutSeconds: 600,
  });
  cleanup.defer("close the raw watch", () => watch.close());
  const events = watch.events[Symbol.asyncIterator]();
  const sse: number[] = [];
  const watched: number[] = [];
  for (let u = 0; u < options.updates; u++) {
    const i = (u * 7919) % options.releases;
    const name = `r-${i}`;
    const row = stream.next(`release:${NAMESPACE}/${name}`);
    const at = performance.now();
    await admin.patch(
      release,
      name,
      NAMESPACE,
      { status: statusOf(i, u % 2 === 0 ? "Deploying" : "Gated", u + 1) },
      { type: "merge", subresource: "status" },
    );
    for (;;) {
      const next = await events.next();
      if (next.done === true) throw new Error("the raw watch ended");
      const obj = next.value.object as { metadata?: { name?: string } };
      if (next.value.type === "MODIFIED" && obj.metadata?.name === name) break;
    }
    watched.push(performance.now() - at);
    sse.push((await row) - at);
  }

  const firstLoad = [
    summarize(`board page, ${options.releases} releases (${(bytes / 1024).toFixed(0)} KiB)`, board),
    summarize("raw list, same token, pages of 500", raw),
  ];
  const updates = [
    summarize("status write -> row over SSE", sse),
    summarize("status write -> raw watch event", watched),
  ];
  const p50 = (s: { p50: number }) => s.p50;
  console.log(`\n${machineFacts(cluster.version)}\nload average: ${loadAverage()}\n`);
  console.log(latencyTable(firstLoad));
  console.log(`first load / raw list (p50): ${(p50(firstLoad[0]!) / p50(firstLoad[1]!)).toFixed(2)}\n`);
  console.log(latencyTable(updates));
  console.log(`row over SSE / raw watch (p50): ${(p50(updates[0]!) / p50(updates[1]!)).toFixed(2)}`);
}

await cleanup.finish(main, (err) => (err instanceof BenchOptionsError ? err.message : err));
