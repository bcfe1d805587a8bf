import { EventRecorder } from "../runtime/events.js";
import { KubeClient } from "../runtime/kube/client.js";
import { SelfIdentity } from "../runtime/kube/self-identity.js";
import { createLogger } from "../runtime/logging.js";
import { Manager, type ManagerExit } from "../runtime/manager.js";
import { RuntimeMetrics } from "../runtime/metrics.js";
import { realClock } from "../runtime/clock.js";
import type { ControllerDeps } from "../controllers/deps.js";
import { createInformers, informerList } from "../controllers/informers.js";
import { createDeploymentTaskController } from "../controllers/deployment-task/controller.js";
import { createEnvironmentController } from "../controllers/environment/controller.js";
import { createScheduleControllers } from "../controllers/schedule/controller.js";
import { createChangeRequestController } from "../controllers/change-control/change-request-controller.js";
import { createApprovalController } from "../controllers/change-control/approval-controller.js";
import { createReleaseController } from "../controllers/release/controller.js";
import { createDriftCheckController } from "../controllers/drift-check/controller.js";
import { createRollbackController } from "../controllers/rollback/controller.js";
import { createVerificationController } from "../controllers/verification/controller.js";
import { loadAuthorPolicy, type LoadedAuthorPolicy } from "../commits/author-policy.js";
import type { Logger } from "../runtime/logging.js";
import { WakeBell } from "../runtime/wake-bell.js";
import { openAuditStore } from "./audit-store.js";
import { openArchiveStore } from "./archive.js";
import { Archiver } from "../audit/archive/archiver.js";
import { createArchiveControllers, liveReaderOf } from "../controllers/archive/controller.js";
import { auditWriteFailures } from "./audit-metrics.js";
import { auditCheckpointer, startAuditCheckpointer } from "./audit-checkpoints.js";
import { openRollbackSeal } from "./rollback-seal.js";
import { startAdmissionGuardFor } from "./admission-guard.js";
import { secureMetricsServing } from "./metrics.js";
import { servingCertificates } from "./certificates.js";
import { ConfigError, type RunConfig } from "./config.js";

/** The name the operator signs events and field ownership with. */
export const REPORTING_CONTROLLER = "stagegate.io/operator";

/**
 * Builds the manager from a parsed configuration and runs it until SIGTERM/SIGINT (clean stop, lease released)
 * or until leadership is lost. Returns the process exit code.
 */
export async function runOperator(config: RunConfig): Promise<number> {
  const log = createLogger(config.logLevel);
  const client = await KubeClient.connect(config.kubeconfig);
  const metrics = new RuntimeMetrics({ defaultMetrics: true });
  const events = new EventRecorder(client, REPORTING_CONTROLLER, config.identity, log);
  // Checkpoints sign the head of this replica's file trail, or of the database's shared chain (ADR 0026).
  const checkpointer = await auditCheckpointer(config, client, log, metrics.registry);
  // Each entry this replica records wakes the notifier, which otherwise looks every --notification-poll-interval.
  const appended = new WakeBell();
  const audit = await openAuditStore(config, events, log, auditWriteFailures(metrics.registry), (entry) => {
    checkpointer?.observe(entry);
    appended.ring();
  });
  await startAuditCheckpointer(checkpointer, config, log);
  // Closed records are archived once, beside the audit store, and recorded in its chain (ADR 0029).
  const archive = await openArchiveStore(config);
  const self = new SelfIdentity(client);
  const operatorIdentity = (): string => self.username ?? "";
  const authorPolicy = await openAuthorPolicy(config.commitAuthorsConfig, log);
  const rollbackSeal = await openRollbackSeal(config.rollbackSealKeyFile, log);
  const deps: ControllerDeps = {
    operatorIdentity,
    client,
    log,
    metrics,
    events,
    audit,
    clock: realClock,
    authorPolicy,
    rollbackSeal,
    workers: config.workers,
    informer: {
      namespace: config.namespace,
      resyncMs: config.resyncMs,
      stallTimeoutMs: config.watchStallTimeoutMs,
    },
  };
  const informers = createInformers(deps);
  const certificates = await servingCertificates(config, deps);
  // Each optional server is loaded only when configured (ADR 0034); each also says "disabled" itself.
  const webhooks = await (
    config.webhookAddress === "0" ? undefined : await import("./webhooks.js")
  )?.startWebhooks(config, {
    certificates: certificates.source,
    client,
    informers,
    audit,
    log,
    operatorIdentity: () => self.username,
    creatorSeal: rollbackSeal.creators,
    rollbackSeal,
  });
  const receivers = await (
    config.eventsAddress === "0" ? undefined : await import("./receivers.js")
  )?.startReceivers(config, {
    certificates: certificates.source,
    client,
    audit,
    log,
    registry: metrics.registry,
    informers,
    rollbackSeal,
    clock: deps.clock,
    events,
  });
  const auditFeed = await (
    config.auditFeedAddress === "0" ? undefined : await import("./audit-feed.js")
  )?.startAuditFeed(config, { client, log, certificates: certificates.source });
  const calendarFeed = await (
    config.calendarFeedAddress === "0" ? undefined : await import("./calendar-feed.js")
  )?.startCalendarFeed(config, { client, log, certificates: certificates.source });
  // Only the leader pushes, so one position moves; a new leader continues from it.
  const auditPush = await (
    config.auditPushUrl === undefined || config.auditPushKeyFile === undefined
      ? undefined
      : await import("./audit-push.js")
  )?.auditPushTask(config, { client, log, registry: metrics.registry });
  // Only the leader delivers notifications; each route's status holds where it is (ADR 0044).
  const notifications = await (
    config.notifications ? await import("./notifications.js") : undefined
  )?.notificationTask(config, { client, log, registry: metrics.registry, appended });
  const releaseController = createReleaseController(deps, informers);
  const admissionGuard = await startAdmissionGuardFor(config, {
    servingCertPem: certificates.servingCertPem,
    client,
    log,
    registry: metrics.registry,
    // Releases held because the controls were missing are looked at again the moment the verdict turns.
    onChange: () => {
      for (const key of informers.releases.store.keys()) releaseController.enqueue(key);
    },
  });
  const manager = new Manager({
    client,
    log,
    metrics,
    informers: [...informerList(informers), ...certificates.informers],
    controllers: [
      ...(certificates.controller === undefined ? [] : [certificates.controller]),
      createDeploymentTaskController(deps, informers),
      createEnvironmentController(deps, informers),
      createChangeRequestController(deps, informers),
      createApprovalController(deps, informers),
      ...createScheduleControllers(deps, informers),
      releaseController,
      createDriftCheckController(deps, informers),
      createRollbackController(deps, informers),
      createVerificationController(deps, informers),
      ...createArchiveControllers(
        deps,
        informers,
        new Archiver(archive, audit, () => realClock.now(), liveReaderOf(client)),
      ),
    ],
    leaderTasks: [
      ...(auditPush === undefined ? [] : [auditPush]),
      ...(notifications === undefined ? [] : [notifications]),
    ],
    // Controllers start only once the operator knows who it is: it trusts changes only admission stamped so.
    // ... and once the admission guard has checked the controls a first time (no gate waits on "not checked yet").
    prerequisites: [
      (signal) => self.learn(signal, log),
      async () => {
        await admissionGuard?.check();
      },
    ],
    probeAddress: config.probeAddress,
    metricsAddress: config.metricsAddress,
    secureMetrics: await secureMetricsServing(config, client, log, certificates.source),
    // Every replica serves the webhooks: one without a certificate yet must not receive their traffic.
    readiness: [certificates.readiness],
    leaderElection: config.leaderElect
      ? {
          namespace: config.leaderElectionNamespace,
          name: config.leaderElectionId,
          identity: config.identity,
          leaseDurationMs: config.leaseDurationMs,
          renewDeadlineMs: config.renewDeadlineMs,
          retryPeriodMs: config.retryPeriodMs,
        }
      : undefined,
  });

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, "Received a stop signal; shutting down");
    stop.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  log.info({ identity: config.identity, server: client.transport.server }, "Started the operator");
  let exit: ManagerExit;
  try {
    exit = await manager.run(stop.signal);
  } finally {
    admissionGuard?.stop();
    await webhooks?.close();
    certificates.close();
    await receivers?.close();
    await auditFeed?.close();
    await calendarFeed?.close();
    await auditPush?.close();
    await notifications?.close();
    await audit.close();
    await archive.close();
    await checkpointer?.close();
    client.close();
  }
  return exit === "lostLeadership" ? 1 : 0;
}

/** Loads `--commit-authors-config`, when set; a file that does not parse is a configuration error naming the field. */
async function openAuthorPolicy(
  path: string | undefined,
  log: Logger,
): Promise<LoadedAuthorPolicy | undefined> {
  if (path === undefined) return undefined;
  try {
    const loaded = await loadAuthorPolicy(path);
    log.info(
      { path, digest: loaded.digest, identities: loaded.users.size, readFromGit: loaded.policy.readFromGit },
      "Loaded the commit authors policy",
    );
    return loaded;
  } catch (err) {
    throw new ConfigError(`--commit-authors-config: ${(err as Error).message}`);
  }
}
