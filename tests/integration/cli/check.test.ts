import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { CheckReport } from "../../../src/cli/check/check-format.js";
import type { CheckResult } from "../../../src/cli/check/check-result.js";
import { coreResources } from "../../../src/cli/check/resources.js";
import { PROBE_NAME } from "../../../src/cli/check/webhook-probes.js";
import { admissionResources } from "../../../src/controllers/admission-guard/guard.js";
import { resources } from "../../../src/controllers/resources.js";
import { isNotFound } from "../../../src/runtime/kube/api-error.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { runStagegate, type CliResult } from "../../support/run-stagegate.js";
import {
  OPERATOR_NAMESPACE,
  registerWebhookConfiguration,
  startCheckWorld,
  type CheckWorld,
} from "./check-world.js";

const EMPTY_HOME = mkdtempSync(path.join(tmpdir(), "stagegate-cli-home-"));

describe("stagegate check against a real API server and a running operator", () => {
  let world: CheckWorld;
  before(async () => {
    world = await startCheckWorld();
  });
  after(async () => {
    await world?.stop();
  });

  /** `stagegate check` as its own process, as a cluster administrator, told where the webhooks are called. */
  const check = (args: readonly string[] = []): Promise<CliResult> =>
    runStagegate(
      ["check", "--kubeconfig", world.adminKubeconfig, "--webhook-url", world.webhookUrl, ...args],
      {
        env: { PATH: process.env.PATH, HOME: EMPTY_HOME },
      },
    );
  const checkJson = async (
    args: readonly string[] = [],
  ): Promise<{ code: number | null; report: CheckReport }> => {
    const result = await check([...args, "-o", "json"]);
    return { code: result.code, report: JSON.parse(result.stdout) as CheckReport };
  };
  const named = (report: CheckReport, name: string): CheckResult => {
    const found = report.checks.find((c) => c.name === name);
    assert.ok(found, `no check named ${name} in ${report.checks.map((c) => c.name).join(", ")}`);
    return found;
  };
  /** Asserts that `name` failed with a fix, one of its details matching each pattern. */
  const assertFailed = (report: CheckReport, name: string, ...details: RegExp[]): CheckResult => {
    const result = named(report, name);
    assert.equal(result.status, "fail", `${name}: ${JSON.stringify(result)}`);
    assert.ok(result.fix !== undefined && result.fix.length > 0, `${name} names its fix`);
    for (const pattern of details) {
      assert.ok(
        [result.message, ...result.details].some((line) => pattern.test(line)),
        `${name} says ${pattern}: ${JSON.stringify(result)}`,
      );
    }
    assert.equal(report.ok, false);
    return result;
  };

  it("passes every check where Stagegate is installed, leading and answering (with the audit probe)", async () => {
    const text = await check(["--probe-audit"]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    for (const name of [
      "crds",
      "admission-controls",
      "webhooks-answering",
      "operator-rbac",
      "delivery-ownership",
    ]) {
      assert.match(text.stdout, new RegExp(`^✓ ${name} `, "m"));
    }
    assert.doesNotMatch(text.stdout, /^[✗‼?] /m, text.stdout);
    assert.match(
      text.stdout,
      /10 passed, 0 failed, 0 warnings, 0 unknown\. Stagegate can keep its promise here\./,
    );

    const { code, report } = await checkJson();
    assert.equal(code, 0);
    assert.equal(report.ok, true);
    // Without --probe-audit nothing is written, so the audit storage cannot be observed: unknown, not a pass.
    assert.deepEqual(
      report.checks.filter((c) => c.status !== "pass").map((c) => [c.name, c.status]),
      [["audit-storage", "unknown"]],
    );
    // The probe left exactly what it says: a denial on the answering replica's trail, and no object.
    const trail = readFileSync(world.operator.auditFile, "utf8").trim().split("\n");
    const denials = trail
      .map(
        (line) =>
          JSON.parse(line) as { action: string; object: { name: string }; details: { rule?: string } },
      )
      .filter((entry) => entry.action === "AdmissionDenied" && entry.object.name === PROBE_NAME);
    assert.deepEqual(
      denials.map((entry) => entry.details.rule),
      ["EmergencyExpiry"],
    );
    await assert.rejects(
      world.admin.get(resources.changeRequest, PROBE_NAME, OPERATOR_NAMESPACE),
      isNotFound,
    );
  });

  it("fails when a webhook configuration is deleted", async () => {
    await world.admin.delete(admissionResources.validating, "stagegate-validating-webhooks");
    try {
      const { code, report } = await checkJson();
      assert.equal(code, 1);
      assertFailed(
        report,
        "admission-controls",
        /ValidatingWebhookConfiguration stagegate-validating-webhooks is missing: re-apply config\/webhook/,
      );
      assertFailed(report, "webhooks-answering", /was admitted: the validating webhook was not called/);
    } finally {
      await registerWebhookConfiguration(world, "ValidatingWebhookConfiguration");
    }
  });

  it("fails when a webhook configuration points elsewhere", async () => {
    const rt = admissionResources.mutating;
    const original = await world.admin.get(rt, "stagegate-mutating-webhooks");
    const webhooks = (original as unknown as { webhooks: { clientConfig: { url: string } }[] }).webhooks;
    const elsewhere = webhooks.map((w) => ({
      ...w,
      clientConfig: { ...w.clientConfig, url: w.clientConfig.url.replace(/:\d+\//, ":1/") },
    }));
    await world.admin.update(rt, { ...original, webhooks: elsewhere });
    try {
      const { code, report } = await checkJson();
      assert.equal(code, 1);
      assertFailed(
        report,
        "admission-controls",
        /does not point at this operator \(\/mutate\/changerequests\)/,
      );
      const answering = assertFailed(report, "webhooks-answering", /failed calling webhook/);
      assert.match(answering.fix ?? "", /cannot reach the operator's webhook server/);
    } finally {
      const current = await world.admin.get(rt, "stagegate-mutating-webhooks");
      await world.admin.update(rt, { ...current, webhooks });
    }
  });

  it("fails on a stale leader election Lease", async () => {
    const renewed = new Date(Date.now() - 10 * 60_000).toISOString().replace("Z", "000Z");
    await world.admin.create(
      builtin.lease,
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "stagegate-stale" },
        spec: { holderIdentity: "stagegate-operator-old", leaseDurationSeconds: 15, renewTime: renewed },
      },
      OPERATOR_NAMESPACE,
    );
    try {
      const { code, report } = await checkJson(["--lease", "stagegate-stale"]);
      assert.equal(code, 1);
      assertFailed(
        report,
        "operator-leading",
        /held by stagegate-operator-old is stale: last renewed 10m ago/,
      );
      assert.equal(named(report, "operator-ready").status, "warn");
    } finally {
      await world.admin.delete(builtin.lease, "stagegate-stale", OPERATOR_NAMESPACE);
    }
  });

  it("fails when an extra ClusterRole is bound to the operator's ServiceAccount", async () => {
    const name = "stagegate-check-extra";
    await world.admin.create(coreResources.clusterRole, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name },
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
    });
    await world.admin.create(coreResources.clusterRoleBinding, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name: "stagegate-operator", namespace: OPERATOR_NAMESPACE }],
    });
    try {
      const { code, report } = await checkJson();
      assert.equal(code, 1);
      const rbac = assertFailed(
        report,
        "operator-rbac",
        /may do more than shipped in stagegate-system \(or cluster-wide\): get, list on secrets \(core group\)/,
        /ClusterRoleBinding stagegate-check-extra \(ClusterRole stagegate-check-extra\)/,
      );
      assert.match(rbac.fix ?? "", /Delete the extra bindings/);
    } finally {
      await world.admin.delete(coreResources.clusterRoleBinding, name);
      await world.admin.delete(coreResources.clusterRole, name);
    }
  });

  it("fails when a CRD is served with an older schema", async () => {
    const crd = "environments.stagegate.io";
    const field = "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/description";
    const served = await world.admin.get(coreResources.customResourceDefinition, crd);
    const removed = (
      served as unknown as {
        spec: {
          versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: object } } } } }[];
        };
      }
    ).spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties as Record<string, unknown>;
    await world.admin.patch(
      coreResources.customResourceDefinition,
      crd,
      undefined,
      [{ op: "remove", path: field }],
      {
        type: "json",
      },
    );
    try {
      const { code, report } = await checkJson();
      assert.equal(code, 1);
      const crds = assertFailed(
        report,
        "crds",
        /CRD environments\.stagegate\.io differs from this build's .*: versions\[v1alpha1\]\.schema\.properties\.spec\.properties\.description is missing in the served CRD/,
      );
      assert.match(crds.fix ?? "", /kubectl apply --server-side -f crds\//);
    } finally {
      await world.admin.patch(
        coreResources.customResourceDefinition,
        crd,
        undefined,
        [{ op: "add", path: field, value: removed.description }],
        { type: "json" },
      );
    }
  });

  it("fails when two environments claim one delivery object and a target leaves its environment", async () => {
    await world.admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: "check-shadow" },
      spec: {
        delivery: {
          argoCDApplications: { namespaces: ["argocd"], matchLabels: { "stagegate.io/environment": "prod" } },
        },
      },
    });
    const narrowed = { "stagegate.io/environment": "dev-eu" };
    await world.admin.patch(
      resources.environment,
      "check-dev",
      undefined,
      { spec: { delivery: { argoCDApplications: { matchLabels: narrowed } } } },
      { type: "merge" },
    );
    try {
      const { code, report } = await checkJson();
      assert.equal(code, 1);
      assertFailed(
        report,
        "delivery-ownership",
        /Argo CD Application argocd\/shop-prod is claimed by 2 Environments: check-prod, check-shadow\./,
        /Release shop\/shop, target of check-dev: Environment check-dev does not own Argo CD Application argocd\/shop-dev/,
      );
    } finally {
      await world.admin.delete(resources.environment, "check-shadow");
      await world.admin.patch(
        resources.environment,
        "check-dev",
        undefined,
        {
          spec: { delivery: { argoCDApplications: { matchLabels: { "stagegate.io/environment": "dev" } } } },
        },
        { type: "merge" },
      );
    }
  });

  it("fails when the serving certificate expires within --min-cert-validity", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stagegate-short-cert-"));
    const [key, csr, crt] = ["tls.key", "tls.csr", "tls.crt"].map((f) => path.join(dir, f)) as [
      string,
      string,
      string,
    ];
    const subject = "/CN=stagegate-webhook.stagegate-system.svc";
    const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    execFileSync("openssl", ["req", "-new", ...curve, "-subj", subject, "-keyout", key, "-out", csr], {
      stdio: "ignore",
    });
    const ca = ["-CA", world.tls.ca.certFile, "-CAkey", world.tls.ca.keyFile, "-set_serial", "7"];
    execFileSync("openssl", ["x509", "-req", "-in", csr, ...ca, "-days", "1", "-out", crt], {
      stdio: "ignore",
    });
    const secret = "stagegate-webhook-server-cert";
    const data = {
      "tls.crt": readFileSync(crt).toString("base64"),
      "tls.key": readFileSync(key).toString("base64"),
    };
    await world.admin.create(
      coreResources.secret,
      { apiVersion: "v1", kind: "Secret", metadata: { name: secret }, type: "kubernetes.io/tls", data },
      OPERATOR_NAMESPACE,
    );
    try {
      const { code, report } = await checkJson();
      assert.equal(code, 1);
      const certificates = assertFailed(
        report,
        "certificates",
        /The serving certificate in Secret stagegate-system\/stagegate-webhook-server-cert .* expires at .*, in 2[34]h: less than --min-cert-validity \(7d 0h\)/,
      );
      assert.match(certificates.fix ?? "", /Renew the certificate/);
      // The CA bundles and the certificate the server presents are fine, and said so.
      assert.ok(
        certificates.details.some((d) =>
          /The serving certificate of https:\/\/127\.0\.0\.1:\d+ .* is valid until/.test(d),
        ),
      );
    } finally {
      await world.admin.delete(coreResources.secret, secret, OPERATOR_NAMESPACE);
    }
  });

  it("refuses bad flags with exit status 2, naming the flag", async () => {
    const duration = await check(["--min-cert-validity", "7d"]);
    assert.equal(duration.code, 2);
    assert.match(duration.stderr, /--min-cert-validity must be a duration such as 168h/);
    const namespace = await check(["-n", "default"]);
    assert.equal(namespace.code, 2);
    assert.match(
      namespace.stderr,
      /use --operator-namespace|name the operator's namespace with --operator-namespace/,
    );
  });

  it("exits 1 when it may not look, saying who should run it", async () => {
    const result = await runStagegate(
      ["check", "-o", "json", "--kubeconfig", world.cluster.kubeconfigs.mallory ?? ""],
      { env: { PATH: process.env.PATH, HOME: EMPTY_HOME } },
    );
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as CheckReport;
    assert.equal(report.ok, false);
    assert.equal(report.summary.passed, 0);
    const crds = named(report, "crds");
    assert.equal(crds.status, "error");
    assert.match(crds.message, /User "mallory" cannot list resource "customresourcedefinitions"/);
    assert.match(crds.fix ?? "", /as a cluster administrator/);
  });
});
