// The chart's values: helm lint, the schema's errors (each names the field), and the arguments the StatefulSet
// renders from them, parsed by the operator's own flag parser, so every rendered flag is one `stagegate run` has.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CHART_DIR, REPO } from "../../hack/chart/layout.js";
import { renderChart, type KubeObject } from "../../hack/chart/render.js";
import { parseRunConfig } from "../../src/cmd/config.js";
import { parseDashboardConfig } from "../../src/dashboard/config.js";
import { helmBinary, helmOffline } from "../support/install-cluster.js";

interface Container {
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
}

function operatorContainer(objects: readonly KubeObject[]): Container {
  const sts = objects.find((obj) => obj.kind === "StatefulSet");
  assert.ok(sts, "the chart renders the operator StatefulSet");
  const spec = sts.spec as { template: { spec: { containers: Container[] } } };
  const container = spec.template.spec.containers[0];
  assert.ok(container);
  return container;
}

/** Parses the container's arguments as the operator does in the pod (POD_NAME and POD_NAMESPACE from the downward API). */
function parseAsInPod(container: Container) {
  assert.equal(container.args[0], "run", "the container runs `stagegate run`");
  const env = Object.fromEntries(
    container.env.map((e) => [
      e.name,
      e.valueFrom?.fieldRef?.fieldPath === "metadata.name" ? "stagegate-operator-0" : "stagegate-system",
    ]),
  );
  return parseRunConfig(container.args.slice(1), env);
}

/** The dashboard Deployment's pod spec and its container's flags, parsed as the dashboard parses them. */
function dashboardPod(objects: readonly KubeObject[]) {
  const deployment = objects.find(
    (obj) => obj.kind === "Deployment" && obj.metadata.name === "stagegate-dashboard",
  );
  assert.ok(deployment, "the chart renders the dashboard Deployment");
  const spec = (
    deployment.spec as {
      template: {
        spec: { containers: { args: string[] }[]; volumes: { name: string; configMap?: { name: string } }[] };
      };
    }
  ).template.spec;
  return { spec, config: parseDashboardConfig(spec.containers[0]?.args ?? []) };
}

const NON_DEFAULT = [
  "replicas=3",
  "operator.workers=8",
  "operator.logLevel=debug",
  "operator.watchNamespace=team-a",
  "operator.leaderElection.leaseDuration=30s",
  "operator.leaderElection.renewDeadline=20s",
  "operator.leaderElection.retryPeriod=4s",
  "operator.commitAuthors.configMap=commit-authors",
  "operator.rollbackSeal.existingSecret=my-seal",
  "webhook.port=10443",
  "webhook.clientNames={kube-apiserver,kube-apiserver-2}",
  "webhook.namespaceSelector.matchLabels.stagegate=enabled",
  "receivers.pipelineEvents.tokenSecret=pipeline-tokens",
  "receivers.alertmanager.tokenSecret=alertmanager-tokens",
  "metrics.secure=false",
  "audit.directory=/data/audit",
  "audit.database.url=postgresql://stagegate@db.example:5432/stagegate",
  "audit.database.passwordSecret=audit-database",
  "webhook.certificate.operator.validity=72h",
  "webhook.certificate.operator.renewBefore=24h",
  "dashboard.enabled=true",
  "dashboard.tlsSecret=dashboard-tls",
  "dashboard.namespaces={team-a,team-b}",
];

describe("the chart's values", () => {
  it("passes helm lint --strict with the default and with non-default values", async () => {
    for (const set of [[], NON_DEFAULT]) {
      const result = await helmOffline(["lint", "--strict", CHART_DIR, ...set.flatMap((s) => ["--set", s])]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  const badValues: [string, RegExp][] = [
    ["replicas=0", /at '\/replicas': minimum: got 0, want 1/],
    [
      "webhook.certificate.source=vault",
      /at '\/webhook\/certificate\/source': value must be one of 'operator', 'helm', 'certManager', 'secret'/,
    ],
    [
      "operator.leaderElection.leaseDuration=fifteen",
      /at '\/operator\/leaderElection\/leaseDuration': 'fifteen' does not match pattern/,
    ],
    ["replicaCount=2", /additional properties 'replicaCount' not allowed/],
    [
      "webhook.certificate.source=secret",
      /at '\/webhook\/certificate\/secret\/name': minLength: got 0, want 1/,
    ],
    ["audit.persistence.size=lots", /at '\/audit\/persistence\/size': 'lots' does not match pattern/],
    [
      "audit.database.url=postgresql://stagegate:s3cret@db/stagegate",
      /at '\/audit\/database\/url': .* does not match pattern/,
    ],
    [
      "webhook.certificate.operator.validity=90d",
      /at '\/webhook\/certificate\/operator\/validity': '90d' does not match pattern/,
    ],
    ["metrics.port=70000", /at '\/metrics\/port': maximum/],
    ["dashboard.enabled=true", /at '\/dashboard\/tlsSecret': minLength: got 0, want 1/],
    ["dashboard.proxy.enabled=true", /at '\/dashboard\/proxy\/allowedNames': minItems: got 0, want 1/],
    ["dashboard.clusters[0].name=East", /at '\/dashboard\/clusters\/0': missing property 'kubeconfig'/],
    [
      "dashboard.clusters[0].name=east,dashboard.clusters[0].kubeconfig.configMap=east,dashboard.clusters[0].auditFeed.url=http://feed:9445",
      /at '\/dashboard\/clusters\/0\/auditFeed\/url': 'http:\/\/feed:9445' does not match pattern/,
    ],
    [
      "dashboard.clusters[0].name=East,dashboard.clusters[0].kubeconfig.configMap=east",
      /at '\/dashboard\/clusters\/0\/name': 'East' does not match pattern/,
    ],
    [
      "dashboard.proxy.enabled=true",
      /at '\/dashboard\/proxy\/clientCA\/configMap': minLength: got 0, want 1/,
    ],
    ["calendarFeed.port=0", /at '\/calendarFeed\/port': minimum: got 0, want 1/],
    ["notifications.maxAttempts=51", /at '\/notifications\/maxAttempts': maximum: got 51, want 50/],
    [
      "notifications.pollInterval=often",
      /at '\/notifications\/pollInterval': 'often' does not match pattern/,
    ],
    [
      "notifications.allowedNetworks={10.0.0.0}",
      /at '\/notifications\/allowedNetworks\/0': '10.0.0.0' does not match pattern/,
    ],
  ];
  for (const [value, message] of badValues) {
    it(`refuses ${value} with an error naming the field`, async () => {
      const result = await helmOffline(["template", "stagegate", CHART_DIR, "--set", value]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /values don't meet the specifications of the schema/);
      assert.match(result.stderr, message);
    });
  }

  it("renders default arguments the operator parses: leader election, the ports probed and served, the mounted files", async () => {
    const container = operatorContainer(await renderChart(await helmBinary()));
    const config = parseAsInPod(container);
    assert.equal(config.leaderElect, true);
    assert.equal(config.leaderElectionNamespace, "stagegate-system");
    assert.equal(config.leaderElectionId, "stagegate-operator");
    assert.equal(config.identity, "stagegate-operator-0");
    assert.equal(config.leaseDurationMs, 15_000);
    assert.equal(config.webhookService, "stagegate-system/stagegate-webhook");
    // The operator manages the certificate (the default source): no certificate files, metrics serve it too.
    assert.equal(config.certSource, "operator");
    assert.equal(config.certSecret, "stagegate-webhook-certs");
    assert.equal(config.certNamespace, "stagegate-system");
    assert.deepEqual(config.certDnsNames, [
      "stagegate-webhook.stagegate-system.svc",
      "stagegate-webhook.stagegate-system.svc.cluster.local",
      "stagegate-receivers.stagegate-system.svc",
      "stagegate-receivers.stagegate-system.svc.cluster.local",
      "stagegate-metrics.stagegate-system.svc",
      "stagegate-metrics.stagegate-system.svc.cluster.local",
    ]);
    assert.equal(config.certValidityMs, 2_160 * 3_600_000);
    assert.equal(config.certCaRenewBeforeMs, 4_380 * 3_600_000);
    assert.equal(config.metricsCertDir, undefined);
    assert.equal(config.webhookClientCaFile, "/etc/stagegate/webhook-client-ca/ca.crt");
    assert.equal(config.rollbackSealKeyFile, "/etc/stagegate/rollback-seal/seal.key");
    assert.equal(config.auditLog, "/var/lib/stagegate/audit.jsonl");
    assert.equal(config.auditDatabaseUrl, undefined, "the file trail unless a database is named");
    assert.equal(config.metricsSecure, true);
    const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
    assert.deepEqual(ports, { webhook: 9443, receivers: 9444, metrics: 8080, health: 8081 });
    assert.equal(config.webhookAddress, ":9443");
    assert.equal(config.eventsAddress, ":9444");
    assert.equal(config.metricsAddress, ":8080");
    assert.equal(config.probeAddress, ":8081");
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: "health" });
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "health" });
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("renders non-default values to the flags that carry them", async () => {
    const objects = await renderChart(await helmBinary(), { set: NON_DEFAULT });
    const config = parseAsInPod(operatorContainer(objects));
    assert.equal(config.workers, 8);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.namespace, "team-a");
    assert.equal(config.leaseDurationMs, 30_000);
    assert.equal(config.renewDeadlineMs, 20_000);
    assert.equal(config.retryPeriodMs, 4_000);
    assert.equal(config.commitAuthorsConfig, "/etc/stagegate/commit-authors/commit-authors.yaml");
    assert.equal(config.webhookAddress, ":10443");
    assert.deepEqual(config.webhookClientNames, ["kube-apiserver", "kube-apiserver-2"]);
    assert.deepEqual(config.webhookNamespaceSelector, { matchLabels: { stagegate: "enabled" } });
    assert.equal(config.pipelineEventsTokenFile, "/etc/stagegate/pipeline-events/tokens.yaml");
    assert.equal(config.alertmanagerTokenFile, "/etc/stagegate/alertmanager/tokens.yaml");
    assert.equal(config.metricsSecure, false);
    assert.equal(config.auditLog, "/data/audit/audit.jsonl");
    assert.equal(config.auditDatabaseUrl, "postgresql://stagegate@db.example:5432/stagegate");
    assert.equal(config.auditDatabasePasswordFile, "/etc/stagegate/audit-database/password");
    const pod = (
      objects.find((obj) => obj.kind === "StatefulSet")?.spec as {
        template: {
          spec: {
            volumes: { name: string; secret?: { secretName: string } }[];
            containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
          };
        };
      }
    ).template.spec;
    assert.deepEqual(
      pod.volumes.find((v) => v.name === "audit-database")?.secret,
      { secretName: "audit-database" },
      "the password's Secret is a volume",
    );
    assert.deepEqual(
      pod.containers[0]?.volumeMounts.find((m) => m.name === "audit-database"),
      { name: "audit-database", mountPath: "/etc/stagegate/audit-database", readOnly: true },
    );
    assert.equal(config.certValidityMs, 72 * 3_600_000);
    assert.equal(config.certRenewBeforeMs, 24 * 3_600_000);
    const entries = objects
      .filter((obj) => obj.kind.endsWith("WebhookConfiguration"))
      .flatMap(
        (obj) =>
          obj.webhooks as { namespaceSelector?: unknown; clientConfig: { service: { port: number } } }[],
      );
    assert.ok(entries.length > 0);
    for (const entry of entries) {
      assert.deepEqual(
        entry.namespaceSelector,
        { matchLabels: { stagegate: "enabled" } },
        "the guard's selector",
      );
      assert.equal(entry.clientConfig.service.port, 10443);
    }
    const seal = objects.find(
      (obj) => obj.kind === "Secret" && obj.metadata.name === "stagegate-rollback-seal",
    );
    assert.equal(seal, undefined, "an existing seal Secret is used, none is made");
  });

  it("renders each certificate source with its flags, volume and rights: only `operator` may write the Secret and the caBundles", async () => {
    const rights = (objects: readonly KubeObject[]) =>
      objects
        .filter((obj) => obj.kind === "Role" || obj.kind === "ClusterRole")
        .filter((obj) => obj.metadata.name.startsWith("stagegate-webhook-"))
        .map((obj) => obj.metadata.name)
        .sort();
    const volumes = (objects: readonly KubeObject[]) => {
      const sts = objects.find((obj) => obj.kind === "StatefulSet");
      const spec = (
        sts?.spec as { template: { spec: { volumes: { name: string; secret?: { secretName: string } }[] } } }
      ).template.spec;
      return spec.volumes.filter((v) => v.name === "tls").map((v) => v.secret?.secretName);
    };
    const operator = await renderChart(await helmBinary());
    assert.deepEqual(rights(operator), ["stagegate-webhook-ca-injector", "stagegate-webhook-certificate"]);
    assert.deepEqual(volumes(operator), [], "nothing mounted: every replica watches the Secret");
    const secret = operator.find(
      (obj) => obj.kind === "Secret" && obj.metadata.name === "stagegate-webhook-certs",
    );
    assert.ok(secret, "the chart creates the Secret the operator may only patch");
    assert.equal(secret.data, undefined, "empty: Helm never writes what the operator keeps there");
    for (const entry of operator
      .filter((obj) => obj.kind.endsWith("WebhookConfiguration"))
      .flatMap((obj) => obj.webhooks as { clientConfig: { caBundle?: string } }[])) {
      assert.equal(
        entry.clientConfig.caBundle,
        undefined,
        "the operator writes the caBundle, Helm never does",
      );
    }
    for (const source of ["helm", "certManager"]) {
      const objects = await renderChart(await helmBinary(), {
        set: [`webhook.certificate.source=${source}`],
      });
      assert.deepEqual(rights(objects), [], `${source}: no right to any Secret or webhook configuration`);
      assert.deepEqual(volumes(objects), ["stagegate-webhook-tls"], source);
      const config = parseAsInPod(operatorContainer(objects));
      assert.equal(config.certSource, "files");
      assert.equal(config.webhookCertDir, "/etc/stagegate/tls");
      assert.equal(config.metricsCertDir, "/etc/stagegate/tls");
    }
  });

  it("alerts only on metrics the operator exports", async () => {
    const objects = await renderChart(await helmBinary(), { set: ["metrics.prometheusRule.enabled=true"] });
    const rule = objects.find((obj) => obj.kind === "PrometheusRule");
    assert.ok(rule);
    const rules = (rule.spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
      (g) => g.rules,
    );
    assert.deepEqual(
      rules.map((r) => r.alert),
      [
        "StagegateNotLeading",
        "StagegateReconcileErrors",
        "StagegateWorkqueueDepth",
        "StagegateAuditWriteFailures",
        "StagegateAdmissionControlsMissing",
        "StagegateTasksOverdue",
        "StagegateEscalated",
        "StagegateServingCertificateExpiring",
      ],
    );
    const registered = new Set(
      [...sourceText(join(REPO, "src")).matchAll(/name: "([a-z_]+)"/g)].map((m) => m[1]),
    );
    for (const { alert, expr } of rules) {
      const metrics = [...expr.matchAll(/\b([a-z_]+)\{/g)].map((m) => m[1] ?? "");
      assert.ok(metrics.length > 0, alert);
      for (const metric of metrics)
        assert.ok(registered.has(metric), `${alert} uses ${metric}, which the operator does not export`);
    }
  });

  it("renders the dashboard as its own Deployment whose flags it parses, with a ServiceAccount that may only review tokens", async () => {
    assert.equal(
      (await renderChart(await helmBinary())).some((obj) => obj.metadata.name === "stagegate-dashboard"),
      false,
      "off by default",
    );
    const objects = await renderChart(await helmBinary(), { set: NON_DEFAULT });
    const deployment = objects.find(
      (obj) => obj.kind === "Deployment" && obj.metadata.name === "stagegate-dashboard",
    );
    assert.ok(deployment, "the chart renders the dashboard Deployment");
    const pod = (
      deployment.spec as {
        template: {
          spec: {
            serviceAccountName: string;
            containers: { command: string[]; args: string[] }[];
            volumes: { secret?: { secretName: string } }[];
          };
        };
      }
    ).template.spec;
    assert.equal(pod.serviceAccountName, "stagegate-dashboard");
    const container = pod.containers[0];
    assert.deepEqual(container?.command, ["/usr/local/bin/node", "/app/dist/cmd/dashboard.js"]);
    const config = parseDashboardConfig(container?.args ?? []);
    assert.deepEqual(config.namespaces, ["team-a", "team-b"]);
    assert.equal(config.address, ":8443");
    assert.equal(config.certFile, "/etc/stagegate/dashboard-tls/tls.crt");
    assert.equal(config.sessionIdleSeconds, 900);
    assert.equal(config.tokenRecheckSeconds, 60);
    assert.equal(config.auditFeed, undefined, "no audit feed unless configured");
    assert.equal(pod.volumes[0]?.secret?.secretName, "dashboard-tls");
    const role = objects.find(
      (obj) => obj.kind === "ClusterRole" && obj.metadata.name === "stagegate-dashboard",
    );
    assert.deepEqual((role as { rules?: unknown } | undefined)?.rules, [
      { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    ]);
    const bindings = objects.filter(
      (obj) =>
        (obj.kind === "ClusterRoleBinding" || obj.kind === "RoleBinding") &&
        JSON.stringify((obj as { subjects?: unknown }).subjects ?? []).includes('"stagegate-dashboard"'),
    );
    assert.deepEqual(
      bindings.map((b) => b.metadata.name),
      ["stagegate-dashboard"],
      "the dashboard's ServiceAccount is bound to nothing else",
    );
    const withFeed = await renderChart(await helmBinary(), {
      set: [
        ...NON_DEFAULT,
        "dashboard.auditFeed.url=https://stagegate-audit-feed.stagegate-system.svc:9445",
        "dashboard.auditFeed.caConfigMap=audit-feed-ca",
      ],
    });
    const fed = (
      withFeed.find((obj) => obj.kind === "Deployment" && obj.metadata.name === "stagegate-dashboard")
        ?.spec as
        | {
            template: {
              spec: { containers: { args: string[] }[]; volumes: { configMap?: { name: string } }[] };
            };
          }
        | undefined
    )?.template.spec;
    const fedConfig = parseDashboardConfig(fed?.containers[0]?.args ?? []);
    assert.deepEqual(fedConfig.auditFeed, {
      url: "https://stagegate-audit-feed.stagegate-system.svc:9445",
      caFile: "/etc/stagegate/audit-feed-ca/ca.crt",
    });
    assert.ok(fed?.volumes.some((v) => v.configMap?.name === "audit-feed-ca"));
  });

  it("renders the calendar feed, notifications and the dashboard's proxy listener off by default, and on as flags their processes parse", async () => {
    const defaults = await renderChart(await helmBinary(), {
      set: ["dashboard.enabled=true", "dashboard.tlsSecret=dashboard-tls"],
    });
    const off = parseAsInPod(operatorContainer(defaults));
    assert.equal(off.calendarFeedAddress, "0", "no calendar feed by default");
    assert.equal(off.notifications, false, "no notifications by default");
    assert.equal(
      defaults.some((obj) => obj.metadata.name === "stagegate-calendar-feed"),
      false,
      "no calendar feed Service",
    );
    assert.equal(dashboardPod(defaults).config.proxy, undefined, "no proxy listener by default");
    assert.equal(
      defaults.some((obj) => obj.kind === "NetworkPolicy" && obj.metadata.name === "stagegate-dashboard"),
      false,
    );

    const objects = await renderChart(await helmBinary(), {
      set: [
        "dashboard.enabled=true",
        "dashboard.tlsSecret=dashboard-tls",
        "dashboard.proxy.enabled=true",
        "dashboard.proxy.port=9444",
        "dashboard.proxy.clientCA.configMap=dashboard-proxy-ca",
        "dashboard.proxy.allowedNames={oauth2-proxy,pomerium}",
        "dashboard.proxy.from[0].podSelector.matchLabels.app=oauth2-proxy",
        "calendarFeed.enabled=true",
        "calendarFeed.port=9556",
        "notifications.enabled=true",
        "notifications.allowedNetworks={10.20.0.0/16,fd00::/8}",
        "notifications.pollInterval=5s",
        "notifications.maxAttempts=9",
        "notifications.retryBackoff=30s",
      ],
    });
    const container = operatorContainer(objects);
    const config = parseAsInPod(container);
    assert.equal(config.calendarFeedAddress, ":9556");
    assert.equal(container.ports.find((p) => p.name === "calendar-feed")?.containerPort, 9556);
    assert.ok(
      config.certDnsNames?.includes("stagegate-calendar-feed.stagegate-system.svc"),
      "the serving certificate names the calendar feed's Service",
    );
    const service = objects.find(
      (obj) => obj.kind === "Service" && obj.metadata.name === "stagegate-calendar-feed",
    );
    assert.deepEqual((service?.spec as { ports: unknown[] } | undefined)?.ports, [
      { name: "calendar-feed", port: 9556, targetPort: "calendar-feed", protocol: "TCP" },
    ]);
    assert.ok(
      objects.some(
        (obj) => obj.kind === "NetworkPolicy" && obj.metadata.name === "stagegate-operator-calendar-feed",
      ),
    );
    assert.equal(config.notifications, true);
    assert.deepEqual(config.notificationAllowedNetworks, [
      { address: "10.20.0.0", prefix: 16 },
      { address: "fd00::", prefix: 8 },
    ]);
    assert.equal(config.notificationPollMs, 5_000);
    assert.equal(config.notificationMaxAttempts, 9);
    assert.equal(config.notificationRetryBackoffMs, 30_000);

    const dashboard = dashboardPod(objects);
    assert.deepEqual(dashboard.config.proxy, {
      address: ":9444",
      clientCaFile: "/etc/stagegate/dashboard-proxy-ca/ca.crt",
      allowedNames: ["oauth2-proxy", "pomerium"],
    });
    assert.deepEqual(
      dashboard.spec.volumes.find((v) => v.name === "proxy-ca")?.configMap,
      { name: "dashboard-proxy-ca" },
      "the proxy's CA is mounted from its ConfigMap",
    );
    const dashboardService = objects.find(
      (obj) => obj.kind === "Service" && obj.metadata.name === "stagegate-dashboard",
    );
    assert.deepEqual(
      (dashboardService?.spec as { ports: { name: string; port: number }[] } | undefined)?.ports.map((p) => [
        p.name,
        p.port,
      ]),
      [
        ["https", 8443],
        ["proxy", 9444],
      ],
    );
    const policy = objects.find(
      (obj) => obj.kind === "NetworkPolicy" && obj.metadata.name === "stagegate-dashboard",
    );
    assert.deepEqual((policy?.spec as { ingress: unknown[] } | undefined)?.ingress, [
      { ports: [{ port: 8443, protocol: "TCP" }] },
      {
        ports: [{ port: 9444, protocol: "TCP" }],
        from: [{ podSelector: { matchLabels: { app: "oauth2-proxy" } } }],
      },
    ]);
    assert.deepEqual(
      ((policy?.spec as { podSelector: { matchLabels: Record<string, string> } } | undefined)?.podSelector
        .matchLabels ?? {})["app.kubernetes.io/component"],
      "dashboard",
      "the policy selects the dashboard's pods only",
    );
  });

  it("renders the dashboard's other clusters as flags it parses, each kubeconfig mounted from its ConfigMap (ADR 0057)", async () => {
    const objects = await renderChart(await helmBinary(), {
      set: [
        "dashboard.enabled=true",
        "dashboard.tlsSecret=dashboard-tls",
        "dashboard.homeCluster=eu-central",
        "dashboard.clusters[0].name=us-east",
        "dashboard.clusters[0].kubeconfig.configMap=us-east-api",
        "dashboard.clusters[0].sameToken=true",
        "dashboard.clusters[0].namespaces={payments,checkout}",
        "dashboard.clusters[0].auditFeed.url=https://stagegate-audit-feed.us-east.example:9445",
        "dashboard.clusters[0].auditFeed.caConfigMap=us-east-feed-ca",
        "dashboard.clusters[1].name=ap-south",
        "dashboard.clusters[1].kubeconfig.configMap=ap-south-api",
        "dashboard.clusters[1].kubeconfig.key=config",
      ],
    });
    const dashboard = dashboardPod(objects);
    assert.equal(dashboard.config.homeCluster, "eu-central");
    assert.deepEqual(dashboard.config.clusters, [
      {
        name: "us-east",
        kubeconfig: "/etc/stagegate/clusters/us-east/kubeconfig",
        sameToken: true,
        namespaces: ["payments", "checkout"],
        auditFeed: {
          url: "https://stagegate-audit-feed.us-east.example:9445",
          caFile: "/etc/stagegate/cluster-feed-ca/us-east/ca.crt",
        },
      },
      { name: "ap-south", kubeconfig: "/etc/stagegate/clusters/ap-south/config", sameToken: false },
    ]);
    assert.deepEqual(
      dashboard.spec.volumes
        .filter((v) => v.name.startsWith("cluster-"))
        .map((v) => [v.name, v.configMap?.name]),
      [
        ["cluster-us-east", "us-east-api"],
        ["cluster-us-east-feed-ca", "us-east-feed-ca"],
        ["cluster-ap-south", "ap-south-api"],
      ],
    );
    const defaults = dashboardPod(
      await renderChart(await helmBinary(), {
        set: ["dashboard.enabled=true", "dashboard.tlsSecret=dashboard-tls"],
      }),
    );
    assert.deepEqual(defaults.config.clusters, [], "one cluster by default");
  });
});

/** Every TypeScript source under `dir`, concatenated (to find the metric names the operator registers). */
function sourceText(dir: string): string {
  return readdirSync(dir)
    .map((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return sourceText(path);
      return path.endsWith(".ts") ? readFileSync(path, "utf8") : "";
    })
    .join("\n");
}
