import type { AlertEvidence } from "../api/v1alpha1/deployment-task.js";
import { API_VERSION } from "../api/v1alpha1/group.js";
import { RELEASE_LABEL } from "../controllers/release/apply.js";
import { checklistFor } from "../controllers/release/checklists.js";
import { rollbackTaskName } from "../controllers/release/names.js";
import type { RollbackSeal } from "../controllers/rollback/seal.js";
import { formatTimestamp } from "../runtime/duration.js";
import type { ReleaseCandidate } from "./alertmanager-match.js";
import type { WebhookAlert } from "./alertmanager-payload.js";
import { labelValue } from "../runtime/kube/label-value.js";
import { printableLine } from "../runtime/printable-text.js";
import { LIMITS } from "../api/v1alpha1/bounds.js";

const TITLE_MAX = 256;

/** The alert's name: its `alertname` label, as Prometheus sets it. */
export function alertName(alert: Pick<WebhookAlert, "labels">): string | undefined {
  return alert.labels.alertname;
}

/**
 * The Rollback task an alert opens for a release in an environment: every delivery of the same alert (same
 * fingerprint and start) names the same task, so a create that finds it already there means "already opened".
 */
export function rollbackTaskFor(
  release: Pick<ReleaseCandidate, "name">,
  environment: string,
  alert: Pick<WebhookAlert, "fingerprint" | "startsAt">,
): string {
  return rollbackTaskName(release.name, environment, alert.fingerprint, new Date(alert.startsAt));
}

/** What Alertmanager told about the alert, as the task's `spec.alert` records it. */
export function alertEvidence(alert: WebhookAlert, receivedAt: Date): AlertEvidence {
  const name = alertName(alert);
  return {
    ...(name === undefined ? {} : { name: name.slice(0, 256) }),
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    labels: boundedMap(alert.labels),
    annotations: boundedMap(alert.annotations),
    ...(alert.generatorURL === undefined || alert.generatorURL === ""
      ? {}
      : { generatorURL: alert.generatorURL.slice(0, LIMITS.uri) }),
    receivedAt: formatTimestamp(receivedAt),
  };
}

/**
 * A label or annotation map as the task's evidence may hold it (see LIMITS): the first entries in key order,
 * keys and values cut to their bounds with a marker, so an alert with oversized labels still opens its task.
 */
function boundedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(
    entries
      .slice(0, LIMITS.mapEntries)
      .map(([key, value]) => [key.slice(0, LIMITS.mapKey), cut(value, LIMITS.text)]),
  );
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function title(alert: WebhookAlert, release: string, environment: string): string {
  const summary =
    alert.annotations.summary === undefined ? undefined : printableLine(alert.annotations.summary).trim();
  const text =
    summary !== undefined && summary !== ""
      ? `Roll back ${release} in ${environment}: ${summary}`
      : `Roll back ${release} in ${environment}: alert ${alertName(alert) ?? alert.fingerprint} is firing`;
  return cut(text, TITLE_MAX);
}

function description(
  alert: WebhookAlert,
  release: ReleaseCandidate,
  environment: string,
  reportedBy: string | undefined,
): string {
  const what = alert.annotations.description?.trim() || alert.annotations.summary?.trim();
  const mode = release.spec.rollbackPolicy.mode;
  const name = cut(alertName(alert) ?? "(unnamed)", 256);
  const facts =
    `Alertmanager reported alert ${name} (fingerprint ${alert.fingerprint}), firing since ${alert.startsAt}, ` +
    `about release ${release.name} while it is deployed to ${environment}.\n\n` +
    `The release's rollback policy is ${mode}; ${release.spec.owners.rollbackOwner.name} owns the decision.` +
    (reportedBy === undefined ? "" : `\n\nReported by ${reportedBy} (the token the notification came with).`);
  if (what === undefined || what === "") return facts;
  return `${cut(what, LIMITS.text - facts.length - 2)}\n\n${facts}`;
}

/**
 * The DeploymentTask a firing alert opens: type Rollback, owned by the release's rollback owner, with the Rollback
 * checklist and the alert as evidence, labelled with and owned (controller reference) by the Release, exactly as
 * the Release controller creates its children, and sealed by the operator (origin Alert, the release's rollback
 * policy now) so the rollback controller can tell it from a hand-made task. Pure: the receive time is passed in.
 */
export function planRollbackTask(
  release: ReleaseCandidate,
  environment: string,
  alert: WebhookAlert,
  receivedAt: Date,
  seal: RollbackSeal,
  name: string = rollbackTaskFor(release, environment, alert),
  reportedBy?: string,
): {
  apiVersion: string;
  kind: "DeploymentTask";
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
} {
  const sealed = seal.annotations({
    namespace: release.namespace,
    name,
    release: { name: release.name, uid: release.uid },
    environment,
    origin: "Alert",
    policy: release.spec.rollbackPolicy.mode,
  });
  return {
    apiVersion: API_VERSION,
    kind: "DeploymentTask",
    metadata: {
      name,
      namespace: release.namespace,
      labels: { [RELEASE_LABEL]: labelValue(release.name) },
      annotations: sealed,
      ownerReferences: [
        { apiVersion: API_VERSION, kind: "Release", name: release.name, uid: release.uid, controller: true },
      ],
    },
    spec: {
      type: "Rollback",
      title: title(alert, release.name, environment),
      description: description(alert, release, environment, reportedBy),
      releaseRef: { name: release.name },
      environment,
      owners: [release.spec.owners.rollbackOwner],
      checklist: checklistFor("Rollback"),
      alert: alertEvidence(alert, receivedAt),
    },
  };
}

/**
 * When a resolved alert ended: its `endsAt` as Alertmanager sent it, or `now` when the payload carries none (or
 * Go's zero time), so the resolution is always a real time.
 */
export function resolutionTime(alert: Pick<WebhookAlert, "endsAt">, now: Date): string {
  const ends = alert.endsAt;
  if (ends === undefined || new Date(ends).getUTCFullYear() <= 1) return formatTimestamp(now);
  return ends;
}
