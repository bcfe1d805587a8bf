// The world of a notification test: a namespace of its own on the real API server, a real file audit trail the
// notifier reads, NotificationRoutes and their Secrets created as a team would, and notifiers running as the
// operator's identity (the shipped ClusterRole; the namespace binds stagegate-notification-secrets to it).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { NotificationRouteStatus } from "../../../src/api/v1alpha1/notification-route.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { fileFeedSource } from "../../../src/audit/feed/file-source.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { DestinationGuard } from "../../../src/notifications/destination.js";
import { createNotificationMetrics, type NotificationMetrics } from "../../../src/notifications/metrics.js";
import { Notifier, notificationRoutes } from "../../../src/notifications/notifier.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { writeSelfSignedMetricsCert } from "../../support/operator-metrics.js";
import { Receiver } from "./receiver.js";
import { coreResources } from "../../support/core-resources.js";

const roleBinding = coreResources.roleBinding;

/** A clock the test moves (rate limits, retry times); starts at the real time. */
export class TestClock {
  offsetMs = 0;
  now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Everything one notification test file uses. */
export class NotificationWorld {
  admin!: KubeClient;
  operator!: KubeClient;
  namespace = "";
  dir = "";
  trail!: AuditTrail;
  receiver!: Receiver;
  caPem = "";
  readonly clock = new TestClock();
  private readonly clients: KubeClient[] = [];

  async setUp(prefix: string, options: { bindSecrets?: boolean } = {}): Promise<void> {
    this.admin = await clientFor("admin");
    this.operator = await clientFor("operator");
    this.namespace = await createTestNamespace(this.admin, prefix);
    if (options.bindSecrets !== false) await this.bindSecretReader(this.namespace);
    this.dir = mkdtempSync(path.join(tmpdir(), "stagegate-notify-"));
    this.caPem = writeSelfSignedMetricsCert(path.join(this.dir, "tls"));
    this.receiver = new Receiver({
      cert: this.caPem,
      key: readFileSync(path.join(this.dir, "tls", "tls.key"), "utf8"),
    });
    await this.receiver.start();
    this.trail = await AuditTrail.open({ path: path.join(this.dir, "audit.jsonl") });
  }

  async tearDown(): Promise<void> {
    await this.receiver?.stop();
    await this.trail?.close();
    if (this.admin !== undefined && this.namespace !== "") {
      await this.admin.delete(builtin.namespace, this.namespace).catch(() => undefined);
    }
    for (const client of this.clients) client.close();
    this.admin?.close();
    this.operator?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Binds stagegate-notification-secrets to the operator's identity in `namespace`, as a team opts in. */
  async bindSecretReader(namespace: string): Promise<void> {
    await this.admin.create(
      roleBinding,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "stagegate-notification-secrets", namespace },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "stagegate-notification-secrets",
        },
        subjects: [{ kind: "User", name: "stagegate-operator", apiGroup: "rbac.authorization.k8s.io" }],
      },
      namespace,
    );
  }

  /** A notifier as the operator runs it (its own client, like a replica), reading this world's trail. */
  async notifier(
    options: { allowLoopback?: boolean; maxAttempts?: number; pollMs?: number; timeoutMs?: number } = {},
  ): Promise<{ notifier: Notifier; metrics: NotificationMetrics; registry: Registry }> {
    const client = await clientFor("operator");
    this.clients.push(client);
    const registry = new Registry();
    const metrics = createNotificationMetrics(registry);
    const notifier = new Notifier({
      client,
      source: fileFeedSource(path.join(this.dir, "audit.jsonl")),
      guard: new DestinationGuard(
        options.allowLoopback === false ? [] : [{ address: "127.0.0.0", prefix: 8 }],
      ),
      metrics,
      log: silentLogger,
      namespace: this.namespace,
      pollMs: options.pollMs ?? 50,
      batch: 100,
      retry: { maxAttempts: options.maxAttempts ?? 3, initialMs: 100, maxMs: 1000 },
      now: this.clock.now,
      timeoutMs: options.timeoutMs ?? 5000,
    });
    return { notifier, metrics, registry };
  }

  /** Records one fact about an object, as a controller would. */
  async record(
    action: AuditEvent["action"],
    name: string,
    details: Record<string, unknown> = {},
    namespace = this.namespace,
  ): Promise<void> {
    await this.trail.record({
      actor: "stagegate-operator",
      action,
      object: { kind: "Release", namespace, name, uid: `uid-${name}` },
      details,
    });
  }

  /** Records one fact about a given object (kind, name and uid as the controller saw them). */
  async recordAbout(
    action: AuditEvent["action"],
    object: { kind: string; name: string; uid: string },
  ): Promise<void> {
    await this.trail.record({
      actor: "stagegate-operator",
      action,
      object: { ...object, namespace: this.namespace },
      details: {},
    });
  }

  async secret(name: string, data: Record<string, string>, namespace = this.namespace): Promise<void> {
    await this.admin.create(
      builtin.secret,
      { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, stringData: data },
      namespace,
    );
  }

  /** Creates a route (as admin, through the real API server's validation). */
  async route(name: string, spec: Record<string, unknown>, namespace = this.namespace): Promise<void> {
    await this.admin.create(
      notificationRoutes,
      { apiVersion: "stagegate.io/v1alpha1", kind: "NotificationRoute", metadata: { name, namespace }, spec },
      namespace,
    );
  }

  /** The route's status as stored. */
  async status(name: string, namespace = this.namespace): Promise<NotificationRouteStatus> {
    const route = await this.admin.get(notificationRoutes, name, namespace);
    return NotificationRouteStatus.parse((route as { status?: unknown }).status ?? {});
  }

  /** A condition of the route, by type. */
  async condition(
    name: string,
    type: string,
  ): Promise<{ status: string; reason: string; message: string } | undefined> {
    return (await this.status(name)).conditions?.find((condition) => condition.type === type);
  }

  /** The receiver's https URL for a path. */
  url(pathname: string): string {
    return `https://127.0.0.1:${this.receiver.port}${pathname}`;
  }
}

/** A counter's value for the given labels. */
export async function counterValue(
  metric: NotificationMetrics["attempts"] | NotificationMetrics["rateLimited"],
  labels: Record<string, string>,
): Promise<number> {
  return (
    (await metric.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0
  );
}
