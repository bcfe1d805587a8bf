import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { isPidAlive, pollUntil } from "../../../hack/local-cluster/index.js";
import { createWebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import {
  MonitoringError,
  WEBHOOK_RECEIVER,
  ensureMonitoringBinaries,
  postAlerts,
  prometheusAlerts,
  queryPrometheus,
  startAlertmanager,
  startPrometheus,
  type StartedAlertmanager,
  type StartedPrometheus,
} from "../../../hack/monitoring/index.js";
import { startAlertSink, type AlertSink, type ReceivedNotification } from "../../support/alert-sink.js";
import { startMetricsService, type MetricsService } from "../../support/metrics-service.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const ERROR_RATIO = `sum(rate(http_requests_total{code=~"5.."}[10s])) / sum(rate(http_requests_total[10s]))`;
const RULES = `
groups:
  - name: stagegate-test
    rules:
      - alert: HighErrorRate
        expr: ${ERROR_RATIO} > 0.2
        for: 2s
        labels:
          severity: page
        annotations:
          summary: More than 20% of requests fail.
`;
/** Generous bound for anything that depends on scrapes, rule evaluation and notification timers. */
const PIPELINE_WAIT_MS = 120_000;

/** Whether anything answers HTTP at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/**
 * The local addresses (`hex-ip:hex-port`, as in /proc/net) of the TCP listeners and UDP sockets the process
 * holds, read from its socket fds and the kernel's tables; 0100007F is 127.0.0.1.
 */
function boundAddresses(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode) => inode !== undefined),
  );
  return ["tcp", "tcp6", "udp", "udp6"].flatMap((table) =>
    readFileSync(`/proc/${pid}/net/${table}`, "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => inodes.has(cols[9] ?? "") && (table.startsWith("udp") || cols[3] === "0A"))
      .map((cols) => cols[1] ?? ""),
  );
}

/** True when the notification is about `alertname` and has the given group status. */
function notifies(alertname: string, status: "firing" | "resolved") {
  return (n: ReceivedNotification): boolean =>
    n.payload.status === status && n.payload.alerts.some((a) => a.labels.alertname === alertname);
}

void describe("the alert pipeline: test service -> Prometheus -> Alertmanager -> webhook", () => {
  const token = `token-${randomUUID()}`;
  let sink: AlertSink;
  let service: MetricsService;
  let alertmanager: StartedAlertmanager;
  let prometheus: StartedPrometheus;
  let failed = false;

  before(
    async (t) => {
      const started = Date.now();
      await ensureMonitoringBinaries();
      sink = await startAlertSink();
      service = await startMetricsService({ errorRate: 0.05, requestsPerSecond: 20 });
      alertmanager = await startAlertmanager({ webhookUrl: sink.url, bearerToken: token });
      prometheus = await startPrometheus({
        scrapeTargets: [service.target],
        rules: RULES,
        alertmanagerUrl: alertmanager.url,
      });
      t.diagnostic(`Prometheus and Alertmanager ready in ${Date.now() - started} ms`);
    },
    { timeout: 180_000 },
  );

  afterEach((t) => {
    if ("passed" in t && t.passed === false) failed = true;
  });

  after(async () => {
    await prometheus?.stop({ keepLogs: failed });
    await alertmanager?.stop({ keepLogs: failed });
    await service?.close();
    await sink?.close();
  });

  void test("Prometheus scrapes the test service and computes the error ratio", async () => {
    const series = await pollUntil(
      "Prometheus to hold the service's request counters",
      async () => {
        const result = await queryPrometheus(prometheus.url, 'http_requests_total{job="stagegate-test"}');
        return result.length >= 2 ? result : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS, intervalMs: 250 },
    );
    assert.deepEqual(series.map((s) => s.metric.code).sort(), ["200", "500"]);
    assert.equal(series[0]?.metric.instance, service.target);
    const up = await queryPrometheus(prometheus.url, 'up{job="stagegate-test"}');
    assert.equal(up[0]?.value[1], "1");

    const ratio = await pollUntil(
      "the error ratio to be computable",
      async () => (await queryPrometheus(prometheus.url, ERROR_RATIO))[0],
      { timeoutMs: PIPELINE_WAIT_MS, intervalMs: 250 },
    );
    assert.ok(Number(ratio.value[1]) < 0.2, `a 5% error rate gave a ratio of ${ratio.value[1]}`);
    const alerts = await prometheusAlerts(prometheus.url);
    assert.deepEqual(
      alerts.filter((a) => a.labels.alertname === "HighErrorRate"),
      [],
      "nothing may fire at a 5% error rate",
    );
  });

  void test("a raised error rate fires the alert and a lowered one resolves it, both posted to the webhook", async (t) => {
    const raisedAt = Date.now();
    service.setErrorRate(0.5);
    const firingInPrometheus = await pollUntil(
      "Prometheus to report HighErrorRate firing",
      async () =>
        (await prometheusAlerts(prometheus.url)).find(
          (a) => a.labels.alertname === "HighErrorRate" && a.state === "firing",
        ),
      { timeoutMs: PIPELINE_WAIT_MS, intervalMs: 250 },
    );
    assert.equal(firingInPrometheus.labels.severity, "page");
    assert.ok(Number(firingInPrometheus.value) > 0.2);

    const firing = await sink.waitFor(
      "a firing HighErrorRate notification",
      notifies("HighErrorRate", "firing"),
      PIPELINE_WAIT_MS,
    );
    t.diagnostic(`firing notification ${Date.now() - raisedAt} ms after raising the error rate`);
    assert.equal(firing.authorization, `Bearer ${token}`);
    assert.match(firing.contentType ?? "", /^application\/json/);
    assert.equal(firing.payload.version, "4");
    assert.equal(firing.payload.receiver, WEBHOOK_RECEIVER);
    assert.equal(firing.payload.externalURL, alertmanager.url);
    assert.deepEqual(firing.payload.groupLabels, { alertname: "HighErrorRate" });
    const [alert] = firing.payload.alerts;
    assert.equal(alert?.status, "firing");
    assert.equal(alert?.labels.severity, "page");
    assert.equal(alert?.annotations.summary, "More than 20% of requests fail.");
    assert.match(alert?.generatorURL ?? "", new RegExp(`^${prometheus.url}/graph\\?`));
    assert.match(alert?.fingerprint ?? "", /^[0-9a-f]{16}$/);

    const loweredAt = Date.now();
    service.setErrorRate(0);
    const resolved = await sink.waitFor(
      "a resolved HighErrorRate notification",
      notifies("HighErrorRate", "resolved"),
      PIPELINE_WAIT_MS,
    );
    t.diagnostic(`resolved notification ${Date.now() - loweredAt} ms after lowering the error rate`);
    assert.equal(resolved.authorization, `Bearer ${token}`);
    assert.equal(resolved.payload.alerts[0]?.status, "resolved");
    assert.equal(resolved.payload.alerts[0]?.fingerprint, alert?.fingerprint);
    assert.ok(Date.parse(resolved.payload.alerts[0]?.endsAt ?? "") >= Date.parse(alert?.startsAt ?? ""));
  });

  void test("an alert posted straight to Alertmanager reaches the webhook, and so does its resolution", async () => {
    const labels = { alertname: "DirectAlert", release: "shop-1.2.3", environment: "prod" };
    await postAlerts(alertmanager.url, [{ labels, annotations: { summary: "Posted by the test." } }]);
    const firing = await sink.waitFor("the DirectAlert notification", notifies("DirectAlert", "firing"));
    assert.equal(firing.authorization, `Bearer ${token}`);
    assert.deepEqual(firing.payload.commonLabels, labels);
    assert.equal(firing.payload.commonAnnotations.summary, "Posted by the test.");

    await postAlerts(alertmanager.url, [{ labels, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const resolved = await sink.waitFor("DirectAlert resolved", notifies("DirectAlert", "resolved"));
    assert.equal(resolved.payload.alerts[0]?.fingerprint, firing.payload.alerts[0]?.fingerprint);
  });

  void test("reloadRules() swaps the rule file in place and refuses a broken one", async () => {
    const always = `${RULES}      - alert: AlwaysFiring\n        expr: vector(1) > 0\n`;
    await prometheus.reloadRules(always);
    await pollUntil(
      "AlwaysFiring to fire after the reload",
      async () =>
        (await prometheusAlerts(prometheus.url)).find(
          (a) => a.labels.alertname === "AlwaysFiring" && a.state === "firing",
        ),
      { timeoutMs: PIPELINE_WAIT_MS, intervalMs: 250 },
    );
    await assert.rejects(
      prometheus.reloadRules("groups: [{name: broken, rules: [{alert: X}]}]\n"),
      (error) => {
        assert.ok(error instanceof MonitoringError);
        assert.match(error.message, /answered 500/);
        return true;
      },
    );
    assert.equal(prometheus.process.running, true, "a rejected reload must leave Prometheus serving");
    assert.equal(readFileSync(prometheus.rulesFile, "utf8"), always, "the last good rules stay on disk");
  });

  void test("both listen on their own loopback port only; Alertmanager has no cluster listener", () => {
    for (const server of [prometheus, alertmanager]) {
      const port = Number(new URL(server.url).port).toString(16).toUpperCase().padStart(4, "0");
      assert.deepEqual(boundAddresses(server.process.pid ?? -1), [`0100007F:${port}`], server.process.name);
    }
  });

  void test("stop() leaves no process, no listener and no state dir", async () => {
    const pids = [prometheus.process.pid, alertmanager.process.pid];
    assert.ok(pids.every((pid) => pid !== undefined && isPidAlive(pid)));
    await prometheus.stop();
    await alertmanager.stop();
    for (const pid of pids) assert.equal(isPidAlive(pid ?? -1), false, `pid ${pid} is still alive`);
    assert.equal(await answers(`${prometheus.url}/-/ready`), false, "Prometheus still listens");
    assert.equal(await answers(`${alertmanager.url}/-/ready`), false, "Alertmanager still listens");
    assert.equal(existsSync(prometheus.dir), false);
    assert.equal(existsSync(alertmanager.dir), false);
  });
});

void test("Alertmanager delivers to an HTTPS webhook whose CA it is given", async () => {
  const tls = await createWebhookTls();
  const sink = await startAlertSink({ tls: { certFile: tls.certFile, keyFile: tls.keyFile } });
  let alertmanager: StartedAlertmanager | undefined;
  try {
    alertmanager = await startAlertmanager({ webhookUrl: sink.url, tlsCaFile: tls.ca.certFile });
    await postAlerts(alertmanager.url, [{ labels: { alertname: "OverTls" } }]);
    const firing = await sink.waitFor("the OverTls notification", notifies("OverTls", "firing"));
    assert.equal(firing.authorization, undefined);
    assert.equal(firing.payload.version, "4");
  } finally {
    await alertmanager?.stop();
    await sink.close();
    await tls.remove();
  }
});

void test("a bad rule file fails Prometheus's start with its own words and keeps the log", async () => {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-bad-rules-"));
  try {
    await assert.rejects(
      startPrometheus({
        dir,
        scrapeTargets: [],
        rules: "groups:\n  - name: broken\n    rules: [{alert: X}]\n",
      }),
      (error: unknown) => {
        assert.ok(error instanceof MonitoringError);
        assert.match(error.message, /prometheus exited during startup/);
        assert.match(error.message, /field 'expr' must be set in rule/);
        assert.ok(error.message.includes(dir));
        return true;
      },
    );
    assert.equal(existsSync(join(dir, "prometheus.log")), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** What the child process reports once both servers are ready. */
interface ChildReport {
  readonly prometheus: { readonly pid: number; readonly url: string };
  readonly alertmanager: { readonly pid: number; readonly url: string };
}

void test("Prometheus and Alertmanager die when the Node process that started them is SIGKILLed", async () => {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-monitoring-orphan-"));
  const library = join(REPO_ROOT, "hack", "monitoring", "index.ts");
  const script = `
    const m = await import(${JSON.stringify(library)});
    const am = await m.startAlertmanager({ dir: ${JSON.stringify(join(dir, "am"))}, webhookUrl: "http://127.0.0.1:9/" });
    const prom = await m.startPrometheus({ dir: ${JSON.stringify(join(dir, "prom"))}, scrapeTargets: [] });
    console.log(JSON.stringify({
      prometheus: { pid: prom.process.pid, url: prom.url },
      alertmanager: { pid: am.process.pid, url: am.url },
    }));
    setInterval(() => {}, 60_000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let out = "";
    let exitCode: number | null | undefined;
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.once("exit", (code) => (exitCode = code));
    const report = await pollUntil(
      "the child to report its Prometheus and Alertmanager",
      () => {
        if (out.includes("\n")) return JSON.parse(out.split("\n")[0] ?? "") as ChildReport;
        if (exitCode !== undefined) throw new Error(`The child exited early (code ${exitCode}); see stderr.`);
        return undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS, intervalMs: 50 },
    );
    const servers = [report.prometheus, report.alertmanager];
    for (const server of servers) assert.equal(await answers(`${server.url}/-/ready`), true);
    child.kill("SIGKILL");
    for (const server of servers) {
      await pollUntil(
        `pid ${server.pid} to die with its parent`,
        () => (isPidAlive(server.pid) ? undefined : true),
        {
          timeoutMs: 30_000,
          intervalMs: 50,
        },
      );
      assert.equal(await answers(`${server.url}/-/ready`), false, `${server.url} still answers`);
    }
  } finally {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
});
