import type { Controller } from "./controller.js";
import type { Informer } from "./informer/informer.js";
import type { KubeClient } from "./kube/client.js";
import type { Logger } from "./logging.js";
import type { RuntimeMetrics } from "./metrics.js";
import { sendText } from "./http-body.js";
import { RouteServer } from "./http-server.js";
import { startHttpsServer, type RunningHttpsServer } from "./https-server.js";
import type { MetricsAuthorizer } from "./metrics-authorization.js";
import type { ServingCertificateSource } from "./serving-certificate.js";
import { LeaderElector } from "./leader-election/leader-elector.js";
import { KubeLeaseStore } from "./leader-election/kube-lease-store.js";

/** How the manager elects a leader; absent means this process always leads (single replica, tests). */
export interface LeaderElectionSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** What the manager runs. */
export interface ManagerOptions {
  client: KubeClient;
  log: Logger;
  metrics: RuntimeMetrics;
  informers: Informer[];
  controllers: Controller[];
  /** Work besides the controllers that runs only while this replica leads (the audit push), stopped with them. */
  leaderTasks?: { run(signal: AbortSignal): Promise<void> }[];
  leaderElection?: LeaderElectionSettings;
  probeAddress?: string;
  metricsAddress?: string;
  /**
   * Work that must finish before any controller starts and before the replica reports ready (for example learning
   * the operator's own identity); run after the servers start, beside the informers' first sync.
   */
  prerequisites?: ((signal: AbortSignal) => Promise<void>)[];
  /**
   * Serve /metrics over HTTPS with this certificate, to scrapers the authorizer admits (the default of
   * `stagegate run`); absent, /metrics is plain HTTP to anyone who can reach it (`--metrics-secure=false`).
   */
  secureMetrics?: SecureMetricsServing;
  /**
   * More conditions of readiness besides synced informers and done prerequisites, each named in the 503 body while
   * it does not hold (for example: a serving certificate is loaded). They must not wait on leadership.
   */
  readiness?: ReadinessCheck[];
}

/** A condition `/readyz` waits for: `ready()` is cheap and synchronous; `name` says what is missing. */
export interface ReadinessCheck {
  name: string;
  ready(): boolean;
}

/** How /metrics is served securely: the serving certificate (a source, or files), and who may scrape. */
export interface SecureMetricsServing {
  certificates?: ServingCertificateSource;
  certFile?: string;
  keyFile?: string;
  authorizer: MetricsAuthorizer;
}

/** How a manager run ended. */
export type ManagerExit = "stopped" | "lostLeadership";

/**
 * Runs an operator process: informers and HTTP endpoints on every replica (`/healthz`, `/readyz` true once every
 * informer synced, `/metrics`), controllers only while this replica holds the Lease. Losing the lease stops the
 * controllers at once and ends the run, so the process can exit and start afresh as a standby.
 */
export class Manager {
  private probes: RouteServer | undefined;
  private metricsServer: RouteServer | undefined;
  private secureMetricsServer: RunningHttpsServer | undefined;
  readonly ports: { probes?: number; metrics?: number } = {};

  constructor(private readonly opts: ManagerOptions) {}

  private readonly logServerError = (err: Error): void => {
    this.opts.log.error({ err: err.message }, "An HTTP server failed");
  };

  /** Whether every informer has synced, the prerequisites are done and every readiness check holds. */
  isReady(): boolean {
    return this.notReadyBecause() === undefined;
  }

  /** What keeps this replica from being ready, or undefined when it is. */
  private notReadyBecause(): string | undefined {
    if (!this.opts.informers.every((i) => i.hasSynced())) return "informers not synced";
    if (!this.prerequisitesDone) return "prerequisites not done";
    const failing = (this.opts.readiness ?? []).filter((check) => !check.ready());
    return failing.length === 0 ? undefined : failing.map((check) => check.name).join(", ");
  }

  private prerequisitesDone = false;

  /** Runs until the signal aborts (clean stop, lease released) or leadership is lost. */
  async run(signal: AbortSignal): Promise<ManagerExit> {
    const { log } = this.opts;
    const informersStop = new AbortController();
    let informerRuns: Promise<void>[] = [];
    try {
      await this.startServers();
      log.info(
        { probePort: this.ports.probes, metricsPort: this.ports.metrics },
        "Serving probes and metrics",
      );
      informerRuns = this.opts.informers.map((informer) => informer.run(informersStop.signal));
      await Promise.all([
        ...this.opts.informers.map((i) => i.waitForSync(signal)),
        ...(this.opts.prerequisites ?? []).map((work) => work(signal)),
      ]);
      this.prerequisitesDone = true;
      if (signal.aborted) return "stopped";
      log.info({ informers: this.opts.informers.length }, "Synced every informer cache");
      return await this.runControllers(signal);
    } finally {
      informersStop.abort();
      await Promise.all(informerRuns);
      await this.probes?.close();
      await this.metricsServer?.close();
      await this.secureMetricsServer?.close();
      log.info("Stopped the manager");
    }
  }

  private async runControllers(signal: AbortSignal): Promise<ManagerExit> {
    const { log, metrics } = this.opts;
    const startControllers = async (leading: AbortSignal): Promise<void> => {
      // Wait for every controller to drain, even when one failed, before the lease may be released.
      const results = await Promise.allSettled([
        ...this.opts.controllers.map((c) => c.run(leading)),
        ...(this.opts.leaderTasks ?? []).map((task) => task.run(leading)),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    };
    const settings = this.opts.leaderElection;
    if (settings === undefined) {
      await startControllers(signal);
      return "stopped";
    }
    let lost = false;
    const lease = new AbortController();
    const onStop = (): void => lease.abort();
    signal.addEventListener("abort", onStop, { once: true });
    const elector = new LeaderElector({
      identity: settings.identity,
      store: new KubeLeaseStore(this.opts.client, settings.namespace, settings.name),
      leaseDurationMs: settings.leaseDurationMs,
      renewDeadlineMs: settings.renewDeadlineMs,
      retryPeriodMs: settings.retryPeriodMs,
      onStartedLeading: async (leading) => {
        metrics.leaderStatus.set({ name: settings.name }, 1);
        log.info(
          { identity: settings.identity, lease: settings.name },
          "Became the leader; starting controllers",
        );
        await startControllers(leading);
      },
      onStoppedLeading: (reason) => {
        metrics.leaderStatus.set({ name: settings.name }, 0);
        if (reason === "released") {
          log.info({ identity: settings.identity }, "Released the lease");
          return;
        }
        lost = true;
        log.error({ identity: settings.identity, reason }, "Lost the lease; stopping controllers");
        lease.abort();
      },
      onNewLeader: (identity) => log.info({ leader: identity }, "Observed a new leader"),
      onError: (err) => log.warn({ err: (err as Error).message }, "Leader election attempt failed"),
    });
    metrics.leaderStatus.set({ name: settings.name }, 0);
    try {
      await elector.run(lease.signal);
    } finally {
      signal.removeEventListener("abort", onStop);
    }
    return lost ? "lostLeadership" : "stopped";
  }

  private async startServers(): Promise<void> {
    const { probeAddress, metricsAddress, metrics } = this.opts;
    if (probeAddress !== undefined && probeAddress !== "0") {
      this.probes = new RouteServer(
        {
          "/healthz": () => Promise.resolve({ status: 200, body: "ok\n" }),
          "/readyz": () => {
            const missing = this.notReadyBecause();
            return Promise.resolve(
              missing === undefined ? { status: 200, body: "ok\n" } : { status: 503, body: `${missing}\n` },
            );
          },
        },
        this.logServerError,
      );
      this.ports.probes = await this.probes.listen(probeAddress);
    }
    if (metricsAddress !== undefined && metricsAddress !== "0" && this.opts.secureMetrics !== undefined) {
      const { authorizer, ...certificate } = this.opts.secureMetrics;
      this.secureMetricsServer = await startHttpsServer({
        address: metricsAddress,
        ...certificate,
        log: this.opts.log,
        handle: async (req, res, path) => {
          if (path !== "/metrics") return sendText(res, 404, "not found");
          if (req.method !== "GET") return sendText(res, 405, "use GET", { Allow: "GET" });
          const access = await authorizer.authorize(req.headers.authorization);
          if (!access.allowed) {
            const challenge: Record<string, string> =
              access.status === 401 ? { "WWW-Authenticate": 'Bearer realm="stagegate-metrics"' } : {};
            return sendText(res, access.status, access.message, challenge);
          }
          const body = await metrics.registry.metrics();
          res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(body);
        },
        answerFailure: (res) => sendText(res, 500, "the metrics failed to render"),
        messages: {
          requestFailed: "Failed to answer a metrics scrape",
          serverFailed: "The metrics server failed",
        },
      });
      this.ports.metrics = this.secureMetricsServer.port;
    } else if (metricsAddress !== undefined && metricsAddress !== "0") {
      this.metricsServer = new RouteServer(
        {
          "/metrics": async () => ({
            status: 200,
            contentType: metrics.registry.contentType,
            body: await metrics.registry.metrics(),
          }),
        },
        this.logServerError,
      );
      this.ports.metrics = await this.metricsServer.listen(metricsAddress);
    }
  }
}
