import { transitionId } from "../audit/recorder.js";
import { resources } from "../controllers/resources.js";
import { releaseKey } from "../controllers/release/names.js";
import { ApiError, TransportError } from "../runtime/kube/api-error.js";
import type { AlertMatch } from "./alertmanager-match.js";
import { firingOutcome, resolvedOutcome, type AlertOutcome } from "./alertmanager-outcome.js";
import type { WebhookAlert } from "./alertmanager-payload.js";
import type { AlertmanagerDeps } from "./alertmanager-route.js";
import { alertName, planRollbackTask, resolutionTime, rollbackTaskFor } from "./alertmanager-task.js";
import { resolveRollbackTask } from "./alertmanager-writes.js";
import {
  createSealedRollbackTask,
  sealedRollbackTaskName,
  type SealedTaskOwner,
} from "../controllers/rollback/sealed-task.js";
import { foreignRollbackTask } from "./alertmanager-task-origin.js";
import { withManualNotice } from "./alertmanager-notice.js";
import type { EventSpec } from "../runtime/events.js";

/** What happened to one alert for one matched release and environment (or for no match), as answered. */
export interface AlertResult {
  outcome: AlertOutcome;
  release?: string;
  environment?: string;
  matchedBy?: AlertMatch["by"];
  task?: string;
  message: string;
}

/** One alert of a notification and what became of it. */
export interface AlertReport {
  fingerprint: string;
  name?: string;
  status: WebhookAlert["status"];
  startsAt: string;
  results: AlertResult[];
}

type Deps = Pick<AlertmanagerDeps, "client" | "audit" | "log" | "metrics" | "seal" | "notice">;

/** One alert of a notification: the receiver it came through, the alert, and when the operator received it. */
interface DeliveredAlert {
  receiver: string;
  /** The name of the scoped token the notification came with: the actor, whatever the receiver claims. */
  sender: string;
  alert: WebhookAlert;
  receivedAt: Date;
}

function auditDetails({ receiver, alert }: DeliveredAlert, match: AlertMatch): Record<string, unknown> {
  const name = alertName(alert);
  return {
    receiver,
    ...(name === undefined ? {} : { alertname: name }),
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    labels: alert.labels,
    release: releaseKey(match.release.namespace, match.release.name),
    environment: match.environment,
    matchedBy: match.by,
  };
}

/** The fields of a result that name the release and environment it is about, and how the alert matched them. */
function matchedFields(match: AlertMatch): {
  release: string;
  environment: string;
  matchedBy: AlertMatch["by"];
} {
  return {
    release: releaseKey(match.release.namespace, match.release.name),
    environment: match.environment,
    matchedBy: match.by,
  };
}

/** Whose task the operator's Rollback task for a match is, to tell it from a decoy under the same name. */
function sealedOwner(match: AlertMatch): SealedTaskOwner {
  const { release } = match;
  return {
    namespace: release.namespace,
    environment: match.environment,
    release: { name: release.name, uid: release.uid, rollbackOwner: release.spec.owners.rollbackOwner.name },
  };
}

/**
 * `RollbackTaskOpened` for the operator's task `name`, under one transition per task
 * (`DeploymentTask/<uid>/RollbackTaskOpened`): recorded by the delivery that created it and again by every
 * delivery of the same alert that finds it open, so a crash between the create and the entry loses nothing (the
 * alert is sent again until it resolves) and the store keeps one entry (ADR 0031).
 */
async function recordOpened(
  deps: Deps,
  delivered: DeliveredAlert,
  match: AlertMatch,
  task: { name: string; uid?: string | undefined; squatted: boolean },
): Promise<string> {
  const { release, environment } = match;
  const message = `Opened Rollback task ${release.namespace}/${task.name} for ${releaseKey(release.namespace, release.name)} in ${environment}.`;
  await deps.audit.record({
    actor: `alertmanager:${delivered.sender}`,
    action: "RollbackTaskOpened",
    object: {
      kind: "DeploymentTask",
      namespace: release.namespace,
      name: task.name,
      ...(task.uid === undefined ? {} : { uid: task.uid }),
    },
    details: {
      ...auditDetails(delivered, match),
      message,
      ...(task.squatted ? { squatted: rollbackTaskFor(release, environment, delivered.alert) } : {}),
    },
    ...(task.uid === undefined
      ? {}
      : { transition: transitionId("DeploymentTask", task.uid, "RollbackTaskOpened") }),
  });
  return message;
}

async function openTask(deps: Deps, delivered: DeliveredAlert, match: AlertMatch): Promise<AlertResult> {
  const { sender, alert, receivedAt } = delivered;
  const { release, environment } = match;
  const base = matchedFields(match);
  if (!match.deployed) {
    const instead = match.current === undefined ? "no release is" : `${match.current} is`;
    return {
      ...base,
      outcome: firingOutcome(false, undefined),
      message: `Ignored: ${base.release} is not the release deployed to ${environment}; ${instead} deployed there.`,
    };
  }
  // The Events of the body last planned: the one created, when a create succeeds (the seal covers the name).
  let events: EventSpec[] = [];
  const opened = await createSealedRollbackTask(
    deps.client,
    deps.seal,
    sealedOwner(match),
    rollbackTaskFor(release, environment, alert),
    async (name) => {
      const planned = planRollbackTask(
        release,
        environment,
        alert,
        receivedAt,
        deps.seal,
        name,
        `alertmanager:${sender}`,
      );
      const noticed =
        deps.notice === undefined
          ? { body: planned, events: [] }
          : await withManualNotice(
              { ...deps.notice, client: deps.client, seal: deps.seal, log: deps.log },
              planned,
            );
      events = noticed.events;
      return noticed.body;
    },
  );
  const name = opened.name;
  const created = opened.created ? "created" : "exists";
  const outcome = firingOutcome(true, created);
  if (created === "created") {
    // The receiver announces nothing of its own: the one Event about the task is the rollback controller's first
    // step, in the words the rollback owner acts on (one fact, one Event; ADR 0054). When that step is the Manual
    // notice, it was decided by the controller's code and created with the task; its Event follows the create at once
    // (a duplicate delivery creates nothing and records none; ADR 0067). The audit trail records the opening.
    if (deps.notice !== undefined && opened.task !== undefined) {
      for (const event of events)
        await deps.notice.events.record(resources.deploymentTask, opened.task, event);
    }
    const message = await recordOpened(deps, delivered, match, opened);
    deps.log.info(
      { ...base, task: name, fingerprint: alert.fingerprint },
      "Opened a rollback task from an alert",
    );
    return { ...base, task: name, outcome, message };
  }
  // The task as the create's 409 path read it; read again only when it was gone by then.
  const existing =
    opened.existing ?? (await deps.client.get(resources.deploymentTask, name, release.namespace));
  const foreign = foreignRollbackTask(existing, release.uid, alert.fingerprint);
  if (foreign !== undefined) {
    deps.log.error(
      { ...base, task: name, fingerprint: alert.fingerprint, foreign },
      "Found another object under an alert's Rollback task name",
    );
    return {
      ...base,
      task: name,
      outcome: firingOutcome(true, "foreign"),
      message:
        `DeploymentTask ${release.namespace}/${name} holds this alert's Rollback task name, but ${foreign}; ` +
        "it was not opened for this alert. Delete it: the alert is delivered again and opens its own task.",
    };
  }
  await recordOpened(deps, delivered, match, { ...opened, uid: existing.metadata.uid });
  return { ...base, task: name, outcome, message: `Rollback task ${name} is already open for this alert.` };
}

async function resolveTask(deps: Deps, delivered: DeliveredAlert, match: AlertMatch): Promise<AlertResult> {
  const { sender, alert, receivedAt } = delivered;
  const { release, environment } = match;
  const base = matchedFields(match);
  const name = await sealedRollbackTaskName(
    deps.client,
    deps.seal,
    sealedOwner(match),
    rollbackTaskFor(release, environment, alert),
  );
  const resolvedAt = resolutionTime(alert, receivedAt);
  const resolution = await resolveRollbackTask(deps.client, release.namespace, name, resolvedAt);
  const outcome = resolvedOutcome(resolution.result);
  if (resolution.result === "missing") {
    return {
      ...base,
      outcome,
      message: `No Rollback task was opened for this alert; a resolution opens none.`,
    };
  }
  // The resolution the task stores, under one transition per task and resolution time: recorded by the delivery
  // that wrote it and again by every later delivery that finds it written, so a crash between the write and the
  // entry loses nothing and the store keeps one entry (ADR 0031).
  const stored = resolution.resolvedAt;
  const { uid } = resolution;
  const message = `Recorded on Rollback task ${release.namespace}/${name} that the alert resolved at ${stored}.`;
  await deps.audit.record({
    actor: `alertmanager:${sender}`,
    action: "AlertResolved",
    object: {
      kind: "DeploymentTask",
      namespace: release.namespace,
      name,
      ...(uid === undefined ? {} : { uid }),
    },
    details: { ...auditDetails(delivered, match), resolvedAt: stored, message },
    ...(uid === undefined
      ? {}
      : { transition: transitionId("DeploymentTask", uid, "AlertResolved", stored) }),
  });
  if (resolution.result === "already") {
    return { ...base, task: name, outcome, message: `Rollback task ${name} already records a resolution.` };
  }
  deps.log.info({ ...base, task: name, fingerprint: alert.fingerprint }, "Recorded an alert's resolution");
  return { ...base, task: name, outcome, message };
}

function failure(err: unknown, match: AlertMatch): AlertResult {
  const cause =
    err instanceof ApiError || err instanceof TransportError
      ? "the Kubernetes API failed"
      : "the operator failed";
  return {
    outcome: "failed",
    ...matchedFields(match),
    message: `${cause}: ${(err as Error).message}`,
  };
}

/**
 * Refuses an alert that cannot be scoped to one namespace (see `scopeAlert`): nothing is written, the refusal is
 * audited (`AlertRefused`, actor `alertmanager:<token name>`) and answered as `ambiguous`.
 */
export async function refuseAlert(
  deps: Deps,
  from: { receiver: string; sender: string },
  alert: WebhookAlert,
  refusal: { namespaces: string[]; message: string },
): Promise<AlertReport> {
  const { receiver } = from;
  const name = alertName(alert);
  await deps.audit.record({
    actor: `alertmanager:${from.sender}`,
    action: "AlertRefused",
    object: { kind: "Alert", name: name ?? alert.fingerprint },
    details: {
      receiver,
      fingerprint: alert.fingerprint,
      status: alert.status,
      labels: alert.labels,
      namespaces: refusal.namespaces,
      message: refusal.message,
    },
  });
  deps.metrics.observe(alert.status, "ambiguous");
  deps.log.info(
    { receiver, alertname: name, fingerprint: alert.fingerprint, namespaces: refusal.namespaces },
    "Refused an alert that names no single namespace",
  );
  return {
    fingerprint: alert.fingerprint,
    ...(name === undefined ? {} : { name }),
    status: alert.status,
    startsAt: alert.startsAt,
    results: [{ outcome: "ambiguous", message: refusal.message }],
  };
}

/**
 * Handles one alert of a notification, independently of the others: a firing alert opens a Rollback task for
 * every matched release that is deployed where it fires; a resolved alert records its resolution on the task
 * the firing alert opened, whether or not that release is still deployed (a rollback may have replaced it).
 * API failures become `failed` results (the route then answers 503); nothing is thrown. `outOfScope` are the
 * matches the sender's token does not cover, already refused and recorded by the route.
 */
export async function handleAlert(
  deps: Deps,
  from: { receiver: string; sender: string },
  alert: WebhookAlert,
  matches: readonly AlertMatch[],
  receivedAt: Date,
  outOfScope: readonly AlertResult[] = [],
): Promise<AlertReport> {
  const { receiver } = from;
  const delivered: DeliveredAlert = { ...from, alert, receivedAt };
  const name = alertName(alert);
  const fields = { receiver, alertname: name, fingerprint: alert.fingerprint, status: alert.status };
  const report: AlertReport = {
    fingerprint: alert.fingerprint,
    ...(name === undefined ? {} : { name }),
    status: alert.status,
    startsAt: alert.startsAt,
    results: [...outOfScope],
  };
  for (const refused of outOfScope) deps.metrics.observe(alert.status, refused.outcome);
  if (matches.length === 0 && outOfScope.length === 0) {
    deps.metrics.observe(alert.status, "unmatched");
    deps.log.debug(fields, "Ignored an alert that no release declares");
    report.results.push({
      outcome: "unmatched",
      message:
        "No release declares this alert: no target's alertSelector matches its labels, and it names no release " +
        "with stagegate_release and stagegate_environment.",
    });
    return report;
  }
  for (const match of matches) {
    let result: AlertResult;
    try {
      result =
        alert.status === "firing"
          ? await openTask(deps, delivered, match)
          : await resolveTask(deps, delivered, match);
    } catch (err) {
      deps.log.error({ ...fields, release: match.release.name, err }, "Failed to act on an alert");
      result = failure(err, match);
    }
    if (result.outcome === "not-deployed") {
      deps.log.debug(
        { ...fields, release: result.release, environment: result.environment, current: match.current },
        "Ignored an alert about a release that is not deployed there",
      );
    }
    deps.metrics.observe(alert.status, result.outcome);
    report.results.push(result);
  }
  return report;
}
