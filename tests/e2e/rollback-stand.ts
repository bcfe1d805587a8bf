// The stand of the Prometheus-driven rollback end-to-end test: a namespace and an Environment, two Argo CD
// Applications, the operator as its own process serving its HTTPS event receivers, two test services whose error
// rates the test sets, and a real Alertmanager and Prometheus alerting about them. Everything started is torn down
// in reverse order, even after a failed start; the Releases the test creates go while the operator still runs,
// because they carry its finalizer.
import { randomBytes } from "node:crypto";
import { scopedTokenFile } from "../support/scoped-tokens.js";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createWebhookTls, writeOperatorCertDir } from "../../hack/local-cluster/webhook-tls.js";
import {
  ensureMonitoringBinaries,
  startAlertmanager,
  startPrometheus,
  type StartedAlertmanager,
  type StartedPrometheus,
} from "../../hack/monitoring/index.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../support/cluster.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { startMetricsService, type MetricsService } from "../support/metrics-service.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";
import { alertRules, createApplication, type ServiceAlert } from "./rollback-world.js";
import { ownsDeliveryIn } from "../support/controller-world.js";

/** The name of the Alertmanager's scoped token: the actor of the alert's audit entries. */
export const ALERTMANAGER_TOKEN_NAME = "prometheus-alertmanager";
/** Clean-up steps run last-registered first, each even when an earlier one failed. */
export class Teardown {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];

  /** Registers a step to run at {@link Teardown.run}, before every step registered earlier. */
  defer(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  /** Runs every step in reverse order and returns what failed (a NotFound counts as done). */
  async run(): Promise<string[]> {
    const failures: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      await step.run().catch((err: unknown) => {
        if (!isNotFound(err)) failures.push(`${step.what}: ${(err as Error).message}`);
      });
    }
    return failures;
  }
}

/** The running stand. */
export interface RollbackStand {
  admin: KubeClient;
  namespace: string;
  /** The one Environment of every pipeline, uniquely named (Environments are cluster-scoped). */
  environment: string;
  operator: OperatorProcess;
  services: { shop: MetricsService; cart: MetricsService };
  /** The alerts Prometheus evaluates: HighErrorRate about the shop, CartHighErrorRate about the cart. */
  alerts: { shop: ServiceAlert; cart: ServiceAlert };
  prometheus: StartedPrometheus;
  alertmanager: StartedAlertmanager;
  /** The Releases the test created: deleted, and finalized by the operator, before the operator stops. */
  releases: string[];
}

/** Whether a failed test wants the state dirs and logs kept. */
export interface KeepLogs {
  failed: boolean;
}

/**
 * Starts the stand, registering the clean-up of each part on `teardown` as it is created. The Applications are
 * `shop-prod` and `cart-prod`; the alert labels carry the namespace, the app and `env: prod`.
 */
export async function startRollbackStand(teardown: Teardown, keep: KeepLogs): Promise<RollbackStand> {
  await ensureMonitoringBinaries();
  const admin = await clientFor("admin");
  teardown.defer("close the admin client", () => Promise.resolve(admin.close()));
  const namespace = await createTestNamespace(admin, "e2e-rollback");
  teardown.defer("delete the namespace", () => admin.delete(builtin.namespace, namespace));
  const environment = `prod-rb-${randomBytes(3).toString("hex")}`;
  await admin.create(resources.environment, {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { name: environment },
    spec: {
      description: "Production, without a gate: the story is what happens after a deployment.",
      delivery: ownsDeliveryIn(namespace),
    },
  });
  teardown.defer("delete the Environment", () => admin.delete(resources.environment, environment));
  await createApplication(admin, namespace, "shop-prod");
  await createApplication(admin, namespace, "cart-prod");

  const shop = await startMetricsService({ errorRate: 0, requestsPerSecond: 20 });
  teardown.defer("close the shop service", () => shop.close());
  const cart = await startMetricsService({ errorRate: 0, requestsPerSecond: 20 });
  teardown.defer("close the cart service", () => cart.close());
  const alerts = {
    shop: serviceAlert("HighErrorRate", shop, namespace, "shop"),
    cart: serviceAlert("CartHighErrorRate", cart, namespace, "cart"),
  };

  const tls = await createWebhookTls();
  teardown.defer("remove the certificates", () => (keep.failed ? Promise.resolve() : tls.remove()));
  const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
  const token = `am-${randomBytes(12).toString("hex")}`;
  const tokenFile = path.join(tls.dir, "alertmanager-tokens");
  await writeFile(
    tokenFile,
    scopedTokenFile([{ name: ALERTMANAGER_TOKEN_NAME, token, namespaces: [namespace] }]),
  );
  const operator = startOperator(kubeconfigPath("operator"), [
    `--namespace=${namespace}`,
    "--leader-elect=false",
    "--events-bind-address=127.0.0.1:0",
    `--webhook-cert-dir=${certDir}`,
    `--alertmanager-token-file=${tokenFile}`,
  ]);
  teardown.defer("stop the operator", async () => {
    await operator.stop();
    if (keep.failed) console.log(`The operator's log and audit trail are kept in ${operator.logFile}.`);
  });
  const releases: string[] = [];
  teardown.defer("delete the Releases while the operator runs", () =>
    deleteReleases(admin, namespace, releases),
  );
  const eventsPort = Number((await operator.waitForLog("Serving event receivers")).eventsPort);
  await operator.waitForLog("Started workers", { controller: "release" });
  await operator.waitForLog("Started workers", { controller: "rollback" });

  const alertmanager = await startAlertmanager({
    webhookUrl: `https://127.0.0.1:${eventsPort}/alertmanager`,
    bearerToken: token,
    tlsCaFile: tls.ca.certFile,
    groupBy: ["alertname"],
    groupWait: "1s",
    groupInterval: "1s",
    repeatInterval: "1h",
  });
  teardown.defer("stop Alertmanager", () => alertmanager.stop({ keepLogs: keep.failed }));
  const prometheus = await startPrometheus({
    scrapeTargets: [shop.target, cart.target],
    rules: alertRules([alerts.shop, alerts.cart]),
    alertmanagerUrl: alertmanager.url,
  });
  teardown.defer("stop Prometheus", () => prometheus.stop({ keepLogs: keep.failed }));
  return {
    admin,
    namespace,
    environment,
    operator,
    services: { shop, cart },
    alerts,
    prometheus,
    alertmanager,
    releases,
  };
}

function serviceAlert(
  alertname: string,
  service: MetricsService,
  namespace: string,
  app: string,
): ServiceAlert {
  return {
    alertname,
    instance: service.target,
    labels: { namespace, app, env: "prod", severity: "page" },
    summary: `More than 20% of ${app} requests fail.`,
  };
}

/** Deletes the Releases and waits until the operator has removed its finalizer from each. */
async function deleteReleases(admin: KubeClient, namespace: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await admin.delete(resources.release, name, namespace).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
  await waitFor(
    "the operator to finalize the deleted Releases",
    async () => ((await admin.list(resources.release, { namespace })).items.length === 0 ? true : undefined),
    { timeoutMs: 60_000 },
  );
}
