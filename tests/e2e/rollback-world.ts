// The objects and reads of the Prometheus-driven rollback end-to-end test: the alert rules a real Prometheus
// evaluates against the test services, the Releases delivered through an Argo CD Application by the driver, and
// the waits on the tasks, Applications and Alertmanager's own view of an alert that the test asserts on.
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import type { AlertEvidence, DeploymentTaskSpec } from "../../src/api/v1alpha1/deployment-task.js";
import { DeploymentTaskStatus } from "../../src/api/v1alpha1/deployment-task.js";
import type { Owner } from "../../src/api/v1alpha1/meta.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { argoSyncs, pendingStagegateSync } from "../support/gitops-driver.js";
import { waitFor } from "../support/kube.js";
import { releaseStatus, envOf } from "./promotion-world.js";

const API_VERSION = "stagegate.io/v1alpha1";
/** Bound on any wait that depends on scrapes, rule evaluation, Alertmanager's timers and the operator. */
export const PIPELINE_WAIT_MS = 120_000;

/** A fresh 40-hex commit id. */
export const commitId = (): string => randomBytes(20).toString("hex");

/** One alerting service of the story: its alert's name, the labels its rule attaches, its scrape target. */
export interface ServiceAlert {
  alertname: string;
  /** The scrape target (`127.0.0.1:<port>`) whose error ratio the rule watches. */
  instance: string;
  /** The labels the rule puts on the alert, which the Releases' alertSelector selects. */
  labels: Record<string, string>;
  summary: string;
}

/** The error ratio of one scrape target over 10 s: 5xx requests over all requests. */
export const errorRatio = (instance: string): string =>
  `sum(rate(http_requests_total{instance="${instance}",code=~"5.."}[10s])) / ` +
  `sum(rate(http_requests_total{instance="${instance}"}[10s]))`;

/** The Prometheus rule file: one alert per service, firing when more than 20% of its requests fail for 2 s. */
export function alertRules(alerts: readonly ServiceAlert[]): string {
  return stringify({
    groups: [
      {
        name: "stagegate-e2e-rollback",
        rules: alerts.map((a) => ({
          alert: a.alertname,
          expr: `${errorRatio(a.instance)} > 0.2`,
          for: "2s",
          labels: a.labels,
          annotations: {
            summary: a.summary,
            description: "More than a fifth of the requests are answered with a 5xx status.",
          },
        })),
      },
    ],
  });
}

/** What a Release of the story is: its name, revision, Application, alert labels and rollback policy. */
export interface RollbackReleasePlan {
  name: string;
  revision: string;
  application: string;
  alertLabels: Record<string, string>;
  rollbackOwner: Owner;
  rollbackPolicy: { mode: "Automatic" | "Manual" | "Disabled"; reason?: string };
}

/** Creates the Release: one environment, one Argo CD target declaring its alerts with an alertSelector. */
export async function createRollbackRelease(
  admin: KubeClient,
  namespace: string,
  environment: string,
  plan: RollbackReleasePlan,
): Promise<void> {
  await admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: { name: plan.name, namespace },
      spec: {
        version: `1.0.${plan.revision.slice(0, 4)}`,
        source: { repoURL: "https://git.example.com/shop.git", revision: plan.revision, commits: [] },
        pipeline: [environment],
        targets: [
          {
            environment,
            argoCD: { name: plan.application, namespace, revision: plan.revision },
            alertSelector: { matchLabels: plan.alertLabels },
          },
        ],
        owners: { releaseManager: { name: "carol" }, rollbackOwner: plan.rollbackOwner },
        rollbackPolicy: plan.rollbackPolicy,
      },
    },
    namespace,
  );
}

/** An Argo CD Application as `argocd app create` leaves it: no status until the controller runs. */
export async function createApplication(admin: KubeClient, namespace: string, name: string): Promise<void> {
  await createArgoApplication({ admin, namespace }, name, { destinationNamespace: name });
}

/** Waits for Stagegate's pending sync of `application` to `revision` and returns the Application then. */
export function waitForSyncRequest(
  admin: KubeClient,
  namespace: string,
  application: string,
  revision: string,
  what: string,
): Promise<KubeObject> {
  return waitFor(
    what,
    async () => {
      const app = await admin.get(deliveryResources.argoCDApplication, application, namespace);
      return pendingStagegateSync(app) === revision ? app : undefined;
    },
    { timeoutMs: PIPELINE_WAIT_MS },
  );
}

/**
 * Creates the Release, completes the sync the operator requests as Argo CD would, and waits until it is Verified
 * and has freed the lock.
 */
export async function deployRelease(
  admin: KubeClient,
  namespace: string,
  environment: string,
  plan: RollbackReleasePlan,
): Promise<void> {
  await createRollbackRelease(admin, namespace, environment, plan);
  await waitForSyncRequest(
    admin,
    namespace,
    plan.application,
    plan.revision,
    `the operator to request a sync of ${plan.application} to ${plan.name}'s revision`,
  );
  await argoSyncs(admin, { name: plan.application, namespace }, { revision: plan.revision });
  await waitFor(
    `${plan.name} to be Verified in ${environment}`,
    async () => {
      const entry = envOf(await releaseStatus(admin, namespace, plan.name), environment);
      return entry?.state === "Verified" ? entry : undefined;
    },
    { timeoutMs: PIPELINE_WAIT_MS },
  );
  // The lock is freed by a pass that sees Verified stored, so it goes a moment after the state is written.
  await waitFor(
    `${plan.name} to free the lock on ${plan.application}`,
    async () => {
      const app = await admin.get(deliveryResources.argoCDApplication, plan.application, namespace);
      return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? app : undefined;
    },
    { timeoutMs: PIPELINE_WAIT_MS },
  );
}

/** A DeploymentTask's spec with the alert evidence the receiver writes. */
export type TaskSpec = DeploymentTaskSpec & { alert?: AlertEvidence };

/** A task as the test reads it: name, annotations, spec and parsed status. */
export interface TaskView {
  name: string;
  annotations: Record<string, string>;
  ownerReferences: KubeObject["metadata"]["ownerReferences"];
  labels: Record<string, string>;
  spec: TaskSpec;
  status: DeploymentTaskStatus;
}

function viewOf(obj: KubeObject): TaskView {
  return {
    name: obj.metadata.name,
    annotations: obj.metadata.annotations ?? {},
    ownerReferences: obj.metadata.ownerReferences,
    labels: obj.metadata.labels ?? {},
    spec: obj.spec as TaskSpec,
    status: DeploymentTaskStatus.parse(obj.status ?? {}),
  };
}

/** Reads one DeploymentTask. */
export async function readTask(admin: KubeClient, namespace: string, name: string): Promise<TaskView> {
  return viewOf(await admin.get(resources.deploymentTask, name, namespace));
}

/** Every task of `release` of the given type. */
export async function tasksOf(
  admin: KubeClient,
  namespace: string,
  release: string,
  type: DeploymentTaskSpec["type"],
): Promise<TaskView[]> {
  const { items } = await admin.list(resources.deploymentTask, {
    namespace,
    labelSelector: `stagegate.io/release=${release}`,
  });
  return items.map(viewOf).filter((t) => t.spec.type === type);
}

/** Waits until the task exists and `check` holds for it; the message carries the last state seen. */
export async function waitForTask(
  admin: KubeClient,
  namespace: string,
  name: string,
  what: string,
  check: (task: TaskView) => boolean,
): Promise<TaskView> {
  let last: TaskView | undefined;
  try {
    return await waitFor(
      `${name} ${what}`,
      async () => {
        last = await readTask(admin, namespace, name);
        return check(last) ? last : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS },
    );
  } catch (err) {
    const seen = last === undefined ? "nothing" : JSON.stringify({ ...last, spec: { ...last.spec } });
    throw new Error(`${(err as Error).message}; last seen: ${seen}`, { cause: err });
  }
}

/** An alert as Alertmanager's own API (`GET /api/v2/alerts`) holds it. */
export interface AlertmanagerAlert {
  fingerprint: string;
  startsAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL?: string;
  status: { state: string };
}

/** The alerts Alertmanager holds right now named `alertname`. */
export async function alertmanagerAlerts(url: string, alertname: string): Promise<AlertmanagerAlert[]> {
  const response = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Alertmanager answered ${response.status} to GET /api/v2/alerts`);
  const alerts = (await response.json()) as AlertmanagerAlert[];
  return alerts.filter((a) => a.labels.alertname === alertname);
}

/** The Release condition `type` as stored, or undefined. */
export async function releaseCondition(
  admin: KubeClient,
  namespace: string,
  release: string,
  type: string,
): Promise<{ status: string; reason: string; message: string } | undefined> {
  const status = await releaseStatus(admin, namespace, release);
  return status.conditions?.find((c) => c.type === type);
}
