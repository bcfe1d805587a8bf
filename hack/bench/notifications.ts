// `make bench-notifications`: notification delivery latency from an audit event to the SMTP server's receipt,
// against a raw SMTP send to the same server in the same run. Starts its own local control plane (CRDs and RBAC as
// `make test` installs them), a private Exim from Debian on a loopback port, a NotificationRoute and its Secret, and
// the operator's notifier as the operator runs it (its identity, a file audit trail). Receipt is the moment the mail
// file appears in Exim's maildir, for both series. Prints quantiles and the ratios notifier/raw; nothing is asserted.
// Flags: --count=N (mails per series, default 30), --poll=DURATION (the notifier's poll interval, default 2s as the
// operator's). Three series: woken by each entry as the operator runs it, the same poll not woken, and 100ms not woken.
import { WakeBell } from "../../src/runtime/wake-bell.js";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { Registry } from "prom-client";
import { fileFeedSource } from "../../src/audit/feed/file-source.js";
import { AuditTrail } from "../../src/audit/trail.js";
import { DestinationGuard } from "../../src/notifications/destination.js";
import { createNotificationMetrics } from "../../src/notifications/metrics.js";
import { Notifier, notificationRoutes } from "../../src/notifications/notifier.js";
import { parseDuration } from "../../src/runtime/duration.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster } from "../local-cluster/index.js";
import { startSmtpServer, type SmtpServer } from "../smtp/server.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage, machineFacts } from "./machine-facts.js";
import { latencyTable, summarize, type LatencySummary } from "./stats.js";

const NAMESPACE = "bench-notify";
const RECIPIENT = "oncall@example.com";
const cleanup = new Cleanup();
cleanup.tearDownOnSignals();

function flag(name: string, fallback: string): string {
  const given = process.argv.slice(2).find((arg) => arg.startsWith(`--${name}=`));
  return given === undefined ? fallback : given.slice(name.length + 3);
}

/** How many mails the server has delivered so far. */
function delivered(smtp: SmtpServer): number {
  try {
    return readdirSync(path.join(smtp.dir, "maildir", "new")).length;
  } catch {
    return 0;
  }
}

/** Waits (polling every 2 ms) until the maildir holds more than `before` mails; returns when it saw it. */
async function receipt(smtp: SmtpServer, before: number): Promise<number> {
  const deadline = performance.now() + 60_000;
  while (delivered(smtp) <= before) {
    if (performance.now() > deadline) throw new Error("no mail arrived within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now();
}

/** Raw sends: a fresh SMTP connection per mail (as the notifier makes), timed from the call to the receipt. */
async function timeRawSends(smtp: SmtpServer, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = delivered(smtp);
    const start = performance.now();
    const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, ignoreTLS: true });
    await transport.sendMail({
      from: "bench@example.com",
      to: RECIPIENT,
      subject: `raw ${i}`,
      text: "raw send",
    });
    transport.close();
    samples.push((await receipt(smtp, before)) - start);
  }
  return samples;
}

/** Audit events through a running notifier: timed from the call that records the event to the receipt. */
async function timeNotified(
  trail: AuditTrail,
  smtp: SmtpServer,
  count: number,
  label: string,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = delivered(smtp);
    const start = performance.now();
    await trail.record({
      actor: "bench",
      action: "EnvironmentFailed",
      object: { kind: "Release", namespace: NAMESPACE, name: `${label}-${i}`, uid: `uid-${label}-${i}` },
      details: { environment: "prod" },
    });
    samples.push((await receipt(smtp, before)) - start);
  }
  return samples;
}

async function main(): Promise<void> {
  const count = Number(flag("count", "30"));
  const pollMs = parseDuration(flag("poll", "2s"));
  const loadBefore = loadAverage();
  console.log("Starting a local control plane and a private Exim...");
  const cluster = await startLocalCluster({ installCrdsFrom: [...PROJECT_MANIFEST_DIRS] });
  cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: cleanup.failed }));
  const smtp = await startSmtpServer();
  cleanup.defer("stop Exim", () => smtp.stop());
  const admin = await KubeClient.connect(cluster.kubeconfigs.admin);
  const operator = await KubeClient.connect(cluster.kubeconfigs.operator);
  cleanup.defer("close the clients", () => {
    admin.close();
    operator.close();
  });
  await admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NAMESPACE },
  });
  await admin.create(
    {
      group: "rbac.authorization.k8s.io",
      version: "v1",
      plural: "rolebindings",
      kind: "RoleBinding",
      namespaced: true,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "stagegate-notification-secrets", namespace: NAMESPACE },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "stagegate-notification-secrets",
      },
      subjects: [{ kind: "User", name: "stagegate-operator", apiGroup: "rbac.authorization.k8s.io" }],
    },
    NAMESPACE,
  );
  await admin.create(
    builtin.secret,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "mail", namespace: NAMESPACE },
      stringData: {
        host: smtp.host,
        port: String(smtp.port),
        from: "stagegate@example.com",
        security: "none",
      },
    },
    NAMESPACE,
  );
  await admin.create(
    notificationRoutes,
    {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "NotificationRoute",
      metadata: { name: "oncall", namespace: NAMESPACE },
      spec: {
        actions: ["EnvironmentFailed"],
        recipients: { emails: [RECIPIENT] },
        channel: { type: "smtp", secretRef: { name: "mail" } },
        rateLimit: { perMinute: 600, burst: 100 },
      },
    },
    NAMESPACE,
  );
  const dir = mkdtempSync(path.join(tmpdir(), "stagegate-bench-notify-"));
  cleanup.defer("remove the trail", () => rmSync(dir, { recursive: true, force: true }));
  const trailFile = path.join(dir, "audit.jsonl");
  // The trail rings the bell at each entry, as the operator's store does (src/cmd/run.ts); a series uses it or not.
  const appended = new WakeBell();
  const trail = await AuditTrail.open({ path: trailFile, mirror: () => Promise.resolve(appended.ring()) });
  cleanup.defer("close the trail", () => trail.close());

  const runNotifier = (poll: number, wake?: WakeBell): { stop(): Promise<void> } => {
    const stop = new AbortController();
    const notifier = new Notifier({
      client: operator,
      source: fileFeedSource(trailFile),
      guard: new DestinationGuard([{ address: "127.0.0.0", prefix: 8 }]),
      metrics: createNotificationMetrics(new Registry()),
      log: silentLogger,
      namespace: NAMESPACE,
      pollMs: poll,
      wake,
      batch: 100,
      retry: { maxAttempts: 3, initialMs: 1000, maxMs: 10_000 },
    });
    const running = notifier.run(stop.signal);
    return {
      async stop() {
        stop.abort();
        await running;
      },
    };
  };

  console.log("Warming up (3 raw sends, 3 notified events)...");
  await timeRawSends(smtp, 3);
  const warm = runNotifier(100);
  await timeNotified(trail, smtp, 3, "warmup");
  await warm.stop();

  console.log(`Timing ${count} raw SMTP sends...`);
  const raw = await timeRawSends(smtp, count);
  const series: LatencySummary[] = [summarize("raw SMTP send -> receipt", raw)];
  const runs: [string, number, WakeBell | undefined][] = [
    [`poll ${pollMs} ms, woken by the entry (as the operator runs)`, pollMs, appended],
    [`poll ${pollMs} ms, not woken`, pollMs, undefined],
    ["poll 100 ms, not woken", 100, undefined],
  ];
  for (const [label, poll, wake] of runs) {
    console.log(`Timing ${count} audit events -> notifier (${label}) -> receipt...`);
    const running = runNotifier(poll, wake);
    const notified = await timeNotified(
      trail,
      smtp,
      count,
      `poll-${poll}-${wake === undefined ? "polled" : "woken"}`,
    );
    await running.stop();
    series.push(summarize(`audit event -> receipt, ${label}`, notified));
  }
  console.log("");
  console.log(machineFacts(cluster.version));
  console.log(`load average (1/5/15 min): ${loadBefore} before, ${loadAverage()} after`);
  console.log(`run: count=${count} poll=${pollMs}ms`);
  console.log("");
  console.log(latencyTable(series));
  const [base, ...rest] = series;
  for (const row of rest) {
    if (base === undefined) break;
    console.log(
      `${row.label} / raw: p50 ${(row.p50 / base.p50).toFixed(1)}x, p90 ${(row.p90 / base.p90).toFixed(1)}x`,
    );
  }
}

await cleanup.finish(main, (err) => err);
