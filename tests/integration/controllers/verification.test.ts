// Post-deployment verification against the real API server and a real Prometheus scraping two test services:
// the Release, DeploymentTask and verification controllers run in-process as the operator identity (exactly
// config/rbac's permissions), Argo CD is played by the driver, and each case deploys a release to an
// Environment of its own whose verification checks pass, breach their threshold, return no data, are rejected
// by Prometheus, or cannot reach it.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { findFreePort } from "../../../hack/local-cluster/free-port.js";
import { pollUntil } from "../../../hack/local-cluster/index.js";
import {
  ensureMonitoringBinaries,
  queryPrometheus,
  startPrometheus,
  type StartedPrometheus,
} from "../../../hack/monitoring/index.js";
import { createDeploymentTaskController } from "../../../src/controllers/deployment-task/controller.js";
import { createReleaseController } from "../../../src/controllers/release/controller.js";
import { verificationRollbackTaskName } from "../../../src/controllers/release/names.js";
import { gateNames } from "../../support/gate-names.js";
import { resources } from "../../../src/controllers/resources.js";
import { appendLog } from "../../../src/controllers/verification/apply.js";
import { createVerificationController } from "../../../src/controllers/verification/controller.js";
import { isConflict } from "../../../src/runtime/kube/api-error.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import {
  createEnvironment,
  read,
  startControllerWorld,
  stopWorld,
  waitForStatus,
  type StatusView,
  type World,
} from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { createTestNamespace, waitFor } from "../../support/kube.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { startMetricsService, type MetricsService } from "../../support/metrics-service.js";
import {
  runControllers,
  type RunControllersOptions,
  type RunningControllers,
} from "../../support/run-controllers.js";
import { createRelease, syncRequested, waitForEnvState } from "../../support/release-world.js";

const API_VERSION = "stagegate.io/v1alpha1";
const SHA = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d";
const OPERATOR = "stagegate-operator";
/** Bound on anything that waits for deployments, windows and scrapes; no case asserts a duration. */
const WAIT_MS = 120_000;

interface LogEntryView {
  time: string;
  author: string;
  kind: string;
  message: string;
  metric?: { name: string; value: number; unit?: string };
}
interface ItemView {
  name: string;
  state: string;
  completedBy?: string;
  evidence?: { result?: string; notes?: string };
}
interface TaskSpecView {
  type: string;
  log: LogEntryView[];
  checklist: ItemView[];
  owners: { name: string }[];
}

const errorRatio = (instance: string): string =>
  `sum(rate(http_requests_total{instance="${instance}",code=~"5.."}[10s])) / ` +
  `sum(rate(http_requests_total{instance="${instance}"}[10s]))`;
/** Scrape targets up: a Baseline check (no fewer, and at most 1.5 times as many, as before the deployment). */
const TARGETS_UP = `count(up{job="stagegate-test"} == 1)`;

/** The controllers under test: Release, DeploymentTask and verification. */
const controllers: RunControllersOptions["controllers"] = (deps, informers) => [
  createReleaseController(deps, informers),
  createDeploymentTaskController(deps, informers),
  createVerificationController(deps, informers),
];

describe("Post-deployment verification against a real Prometheus", { concurrency: true }, () => {
  let world: World | undefined;
  let steady: MetricsService | undefined;
  let flaky: MetricsService | undefined;
  let prometheus: StartedPrometheus | undefined;
  let failed = false;
  const w = (): World => {
    if (world === undefined) throw new Error("the world was not set up");
    return world;
  };
  const promURL = (): string => {
    if (prometheus === undefined) throw new Error("Prometheus was not started");
    return prometheus.url;
  };

  before(
    async () => {
      await ensureMonitoringBinaries();
      steady = await startMetricsService({ errorRate: 0.02 });
      flaky = await startMetricsService({ errorRate: 0.02 });
      prometheus = await startPrometheus({ scrapeTargets: [steady.target, flaky.target] });
      for (const service of [steady, flaky]) {
        const url = prometheus.url;
        await pollUntil(
          `Prometheus to compute the error ratio of ${service.target}`,
          async () => (await queryPrometheus(url, errorRatio(service.target)))[0],
          { timeoutMs: WAIT_MS, intervalMs: 250 },
        );
      }
      world = await startControllerWorld({ namespacePrefix: "verify", tag: "vf", controllers });
    },
    { timeout: 180_000 },
  );

  afterEach((t) => {
    if ("passed" in t && t.passed === false) failed = true;
  });

  after(async () => {
    await stopWorld(world);
    await prometheus?.stop({ keepLogs: failed });
    await steady?.close();
    await flaky?.close();
  });

  /** Creates an Environment requiring PostDeployVerification with these checks, an Application and a Release. */
  async function deployWith(
    base: string,
    verification: Record<string, unknown>,
    into: World = w(),
  ): Promise<{ env: string; release: string; task: string }> {
    const { namespace } = into;
    const env = into.unique(base);
    const release = `shop-${base}`;
    await createEnvironment(into, env, {
      gate: { requiredChecks: ["PostDeployVerification"] },
      verification,
    });
    await createArgoApplication(into, release);
    await createRelease(into, release, {
      version: "2.0.0",
      revision: SHA,
      pipeline: [env],
      targets: [{ environment: env, argoCD: { name: release, namespace, revision: SHA } }],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "rita" } },
    });
    await syncRequested(into, release, SHA, WAIT_MS);
    await argoSyncs(into.admin, { name: release, namespace }, { revision: SHA });
    return {
      env,
      release,
      task: (await gateNames(into.admin, into.namespace, release)).check(env, "PostDeployVerification"),
    };
  }

  const envState = (release: string, env: string, state: string, into: World = w()): Promise<StatusView> =>
    waitForEnvState(into, release, env, state, WAIT_MS);

  async function taskSpec(name: string, into: World = w()): Promise<TaskSpecView> {
    const task = await read(into, resources.deploymentTask, name);
    assert.ok(task !== undefined, `task ${name} exists`);
    return task.spec as TaskSpecView;
  }

  /** Waits for the task to fail and returns its measured item's evidence notes, and its log. */
  async function failedVerification(
    release: string,
    env: string,
    task: string,
  ): Promise<{ notes: string; log: LogEntryView[] }> {
    await waitForStatus(w(), resources.deploymentTask, task, "to fail", (s) => s.phase === "Failed", WAIT_MS);
    await envState(release, env, "Failed");
    const spec = await taskSpec(task);
    const item = spec.checklist.find((i) => i.name === "metrics-healthy");
    assert.equal(item?.state, "Failed");
    assert.equal(item.completedBy, OPERATOR);
    assert.equal(item.evidence?.result, "Failed");
    const rollbackName = verificationRollbackTaskName(release, env, SHA);
    const rollback = await read(w(), resources.deploymentTask, rollbackName);
    assert.ok(rollback !== undefined, `the Rollback task ${rollbackName} was opened`);
    const rollbackSpec = rollback.spec as TaskSpecView & {
      releaseRef: { name: string };
      environment: string;
    };
    assert.equal(rollbackSpec.type, "Rollback");
    assert.equal(rollbackSpec.releaseRef.name, release);
    assert.equal(rollbackSpec.environment, env);
    assert.deepEqual(
      rollbackSpec.owners.map((o) => o.name),
      ["rita"],
    );
    assert.deepEqual(
      rollbackSpec.checklist.map((i) => i.name),
      ["rolled-back"],
    );
    assert.equal(rollback.metadata.labels?.["stagegate.io/release"], release);
    assert.equal(rollback.metadata.ownerReferences?.[0]?.kind, "Release");
    assert.equal(rollback.metadata.ownerReferences?.[0]?.name, release);
    const audited = w()
      .audit.about(w().namespace, task)
      .map((e) => e.action);
    assert.equal(audited.filter((a) => a === "VerificationFailed").length, 1, audited.join(", "));
    assert.equal(audited.includes("VerificationPassed"), false);
    return { notes: item.evidence.notes ?? "", log: spec.log };
  }

  const mine = (log: LogEntryView[]): LogEntryView[] => log.filter((e) => e.author === OPERATOR);

  it("(a) passes a healthy deployment, logging every check at every instant, and verifies the release", async () => {
    const instance = steady?.target ?? "";
    const { env, release, task } = await deployWith("healthy", {
      prometheusURL: promURL(),
      window: "15s",
      interval: "5s",
      checks: [
        { name: "error-rate", query: errorRatio(instance), threshold: { max: 0.2 }, unit: "ratio" },
        {
          name: "targets-up",
          query: TARGETS_UP,
          threshold: { relativeTo: "Baseline", min: 1, max: 1.5 },
          unit: "targets",
        },
      ],
    });
    await waitForStatus(
      w(),
      resources.deploymentTask,
      task,
      "to succeed",
      (s) => s.phase === "Succeeded",
      WAIT_MS,
    );
    const verified = await envState(release, env, "Verified");
    const entry = (
      verified.environments as { name: string; deployedAt: string; deployStartedAt: string }[]
    ).find((e) => e.name === env);
    const spec = await taskSpec(task);
    const metrics = mine(spec.log).filter((e) => e.kind === "Metric");
    const errorTimes = metrics.filter((e) => e.metric?.name === "error-rate").map((e) => e.time);
    const rateTimes = metrics.filter((e) => e.metric?.name === "targets-up").map((e) => e.time);
    assert.equal(errorTimes.length, 3, JSON.stringify(spec.log, null, 1));
    assert.equal(new Set(errorTimes).size, 3, "no instant is logged twice");
    // The baseline at the deployment's start, then the same three instants.
    assert.equal(rateTimes.length, 4, JSON.stringify(spec.log, null, 1));
    assert.equal(Date.parse(rateTimes[0] ?? ""), Date.parse(entry?.deployStartedAt ?? ""));
    assert.deepEqual(rateTimes.slice(1), errorTimes);
    const deployedAt = Date.parse(entry?.deployedAt ?? "");
    assert.deepEqual(
      errorTimes.map((t) => Date.parse(t) - deployedAt),
      [5_000, 10_000, 15_000],
    );
    for (const m of metrics) assert.match(m.message, /\bpass$|when the deployment started$/, m.message);
    assert.match(
      metrics.find((m) => m.metric?.name === "error-rate")?.message ?? "",
      /^error-rate = [\d.e-]+ ratio \(max 0\.2\): pass$/,
    );
    for (const m of metrics)
      assert.equal(m.metric?.unit, m.metric?.name === "error-rate" ? "ratio" : "targets");

    const item = spec.checklist.find((i) => i.name === "metrics-healthy");
    assert.equal(item?.state, "Done");
    assert.equal(item.completedBy, OPERATOR);
    assert.equal(item.evidence?.result, "Passed");
    assert.match(
      item.evidence.notes ?? "",
      /error-rate: 3 measurements, min [\d.e-]+, max [\d.e-]+ ratio \(max 0\.2\)/,
    );
    assert.match(item.evidence.notes ?? "", /targets-up: 3 measurements, .* × baseline [\d.]+ = /);
    const audited = w()
      .audit.about(w().namespace, task)
      .map((e) => e.action);
    assert.deepEqual(audited, ["VerificationMeasured", "VerificationPassed"]);
    assert.equal(
      await read(w(), resources.deploymentTask, verificationRollbackTaskName(release, env, SHA)),
      undefined,
    );
  });

  it("(b) fails when the error rate rises after the deployment, names the measurement, and opens a rollback", async () => {
    const instance = flaky?.target ?? "";
    const { env, release, task } = await deployWith("breach", {
      prometheusURL: promURL(),
      window: "30s",
      interval: "5s",
      checks: [
        { name: "error-rate", query: errorRatio(instance), threshold: { max: 0.2 }, unit: "ratio" },
        {
          name: "targets-up",
          query: TARGETS_UP,
          threshold: { relativeTo: "Baseline", max: 1.5 },
        },
      ],
    });
    await envState(release, env, "Deployed");
    flaky?.setErrorRate(0.6);
    const { notes, log } = await failedVerification(release, env, task);
    assert.match(
      notes,
      /failed on check error-rate: error-rate measured at \S+Z: [\d.]+ is above max 0\.2\./,
      notes,
    );
    const failing = mine(log).find((e) => e.metric?.name === "error-rate" && e.message.includes(": fail"));
    assert.ok(failing !== undefined, JSON.stringify(log, null, 1));
    assert.ok((failing.metric?.value ?? 0) > 0.2);
    assert.match(failing.message, /^error-rate = [\d.]+ ratio \(max 0\.2\): fail, [\d.]+ is above max 0\.2$/);
  });

  it("(c) fails a query that returns no data, and says so", async () => {
    const { env, release, task } = await deployWith("nodata", {
      prometheusURL: promURL(),
      window: "10s",
      interval: "5s",
      checks: [{ name: "queue-depth", query: "sum(stagegate_no_such_metric)", threshold: { max: 10 } }],
    });
    const { notes, log } = await failedVerification(release, env, task);
    assert.match(notes, /queue-depth at \S+Z returned no data/, notes);
    const comment = mine(log).find((e) => e.kind === "Comment");
    assert.match(comment?.message ?? "", /^queue-depth at \S+Z returned no data .*: not a pass\.$/);
    assert.equal(mine(log).filter((e) => e.kind === "Metric").length, 0);
  });

  it("(d) fails a query Prometheus rejects, naming its error", async () => {
    const { env, release, task } = await deployWith("badquery", {
      prometheusURL: promURL(),
      window: "10s",
      interval: "5s",
      checks: [{ name: "latency", query: "sum(rate(http_requests_total[10s])", threshold: { max: 1 } }],
    });
    const { notes } = await failedVerification(release, env, task);
    assert.match(notes, /latency at \S+Z was rejected by Prometheus \(bad_data\): .*parse error/, notes);
  });

  it("(e) fails when Prometheus cannot be reached to the end of the window", async () => {
    const closed = await findFreePort();
    const { env, release, task } = await deployWith("unreachable", {
      prometheusURL: `http://127.0.0.1:${closed}`,
      window: "5s",
      interval: "5s",
      checks: [{ name: "error-rate", query: "vector(0)", threshold: { max: 0.2 } }],
    });
    const { notes, log } = await failedVerification(release, env, task);
    assert.match(
      notes,
      new RegExp(
        `could not be measured: Prometheus at http://127\\.0\\.0\\.1:${closed} could not be reached`,
      ),
      notes,
    );
    assert.match(notes, /after retrying until one interval past the end of the window/);
    assert.equal(mine(log).length, 1, JSON.stringify(log, null, 1));
  });

  it("(f) survives a restart mid-window: missed instants are measured at their own time, none twice", async () => {
    const { admin } = w();
    const namespace = await createTestNamespace(admin, "verify-restart");
    const audit = new MemoryAudit();
    const start = (): Promise<RunningControllers> =>
      runControllers({ identity: "operator", namespace, audit, controllers });
    let running: RunningControllers | undefined = await start();
    // Its own namespace and controllers (whose caches see only it), so stopping them touches no other case.
    const own: World = { ...w(), namespace, audit, running };
    try {
      const { env, release, task } = await deployWith(
        "restart",
        {
          prometheusURL: promURL(),
          window: "20s",
          interval: "5s",
          checks: [
            { name: "error-rate", query: errorRatio(steady?.target ?? ""), threshold: { max: 0.2 } },
            { name: "targets-up", query: TARGETS_UP, threshold: { relativeTo: "Baseline", min: 1 } },
          ],
        },
        own,
      );
      const deployed = await envState(release, env, "Deployed", own);
      const deployedAt = Date.parse(
        (deployed.environments as { name: string; deployedAt: string }[]).find((e) => e.name === env)
          ?.deployedAt ?? "",
      );
      const errorEntries = async (): Promise<LogEntryView[]> =>
        mine((await taskSpec(task, own)).log).filter((e) => e.metric?.name === "error-rate");
      await waitFor(
        "the first measurement",
        async () => ((await errorEntries()).length >= 1 ? true : undefined),
        {
          timeoutMs: WAIT_MS,
        },
      );
      await running.stop();
      running = undefined;
      // Down across at least one more instant (+10 s), which nobody measures meanwhile.
      await waitFor(
        "the operator to miss an instant",
        () => (Date.now() > deployedAt + 11_000 ? true : undefined),
        {
          timeoutMs: WAIT_MS,
        },
      );
      assert.equal((await errorEntries()).length, 1);
      running = await start();
      await waitForStatus(
        own,
        resources.deploymentTask,
        task,
        "to succeed",
        (s) => s.phase === "Succeeded",
        WAIT_MS,
      );
      await envState(release, env, "Verified", own);
      const times = (await errorEntries()).map((e) => Date.parse(e.time) - deployedAt);
      assert.deepEqual(times, [5_000, 10_000, 15_000, 20_000]);
      const baselines = mine((await taskSpec(task, own)).log).filter((e) =>
        e.message.endsWith("when the deployment started"),
      );
      assert.equal(baselines.length, 1);
      const audited = audit.about(namespace, task).map((e) => e.action);
      assert.deepEqual(audited, ["VerificationMeasured", "VerificationPassed"]);
    } finally {
      await running?.stop();
      await admin.delete(builtin.namespace, namespace);
    }
  });

  it("refuses to append to a log that changed since it was read", async () => {
    const { namespace, admin, running } = w();
    const name = "stale-append";
    await admin.create(
      resources.deploymentTask,
      {
        apiVersion: API_VERSION,
        kind: "DeploymentTask",
        metadata: { name, namespace },
        spec: { type: "Checklist", title: "A task to append to" },
      },
      namespace,
    );
    const stale = await admin.get(resources.deploymentTask, name, namespace);
    const entry = {
      time: "2026-11-26T10:00:00Z",
      author: "erin",
      kind: "Comment" as const,
      message: "Looked fine.",
    };
    await admin.patch(
      resources.deploymentTask,
      name,
      namespace,
      { spec: { title: "Renamed" } },
      { type: "merge" },
    );
    await assert.rejects(appendLog(running.deps.client, stale, [entry], {}), (err: unknown) => {
      assert.ok(isConflict(err), String(err));
      return true;
    });
    // The DeploymentTask controller writes the new task's status too (a new resourceVersion): read and retry.
    const written: KubeObject = await waitFor("the append to a fresh copy to land", async () => {
      const fresh = await admin.get(resources.deploymentTask, name, namespace);
      try {
        return await appendLog(running.deps.client, fresh, [entry], {});
      } catch (err) {
        if (isConflict(err)) return undefined;
        throw err;
      }
    });
    assert.deepEqual((written.spec as TaskSpecView).log, [entry]);
  });
});
