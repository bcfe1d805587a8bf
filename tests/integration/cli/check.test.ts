import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { CheckReport } from "../../../src/cli/check/check-format.js";
import type { CheckResult } from "../../../src/cli/check/check-result.js";
import { PROBE_NAME } from "../../../src/cli/check/webhook-probes.js";
import { admissionResources } from "../../../src/controllers/admission-guard/guard.js";
import { resources } from "../../../src/controllers/resources.js";
import { isNotFound } from "../../../src/runtime/kube/api-error.js";
import { runStagegate, type CliResult } from "../../support/run-stagegate.js";
import {
  STALE_LEASE,
  bindExtraClusterRole,
  createStaleLease,
  overlapEnvironments,
  serveOlderEnvironmentSchema,
  storeNearExpiryCertificate,
  type Restore,
} from "./check-breakage.js";
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

  it("fails each check whose part is broken, with its fix, and only those (one run for five breakages)", async () => {
    const restores: Restore[] = [];
    try {
      restores.push(await createStaleLease(world.admin));
      restores.push(await bindExtraClusterRole(world.admin));
      restores.push(await serveOlderEnvironmentSchema(world.admin));
      restores.push(await overlapEnvironments(world.admin));
      restores.push(await storeNearExpiryCertificate(world));
      const { code, report } = await checkJson(["--lease", STALE_LEASE]);
      assert.equal(code, 1);

      assertFailed(
        report,
        "operator-leading",
        /held by stagegate-operator-old is stale: last renewed 10m ago/,
      );
      // The holder of that Lease is none of the operator's pods.
      assert.equal(named(report, "operator-ready").status, "warn");

      const rbac = assertFailed(
        report,
        "operator-rbac",
        /may do more than shipped in stagegate-system \(or cluster-wide\): get, list on secrets \(core group\)/,
        /ClusterRoleBinding stagegate-check-extra \(ClusterRole stagegate-check-extra\)/,
      );
      assert.match(rbac.fix ?? "", /Delete the extra bindings/);

      const crds = assertFailed(
        report,
        "crds",
        /CRD environments\.stagegate\.io differs from this build's .*: versions\[v1alpha1\]\.schema\.properties\.spec\.properties\.description is missing in the served CRD/,
      );
      assert.match(crds.fix ?? "", /kubectl apply --server-side -f crds\//);

      assertFailed(
        report,
        "delivery-ownership",
        /Argo CD Application argocd\/shop-prod is claimed by 2 Environments: check-prod, check-shadow\./,
        /Release shop\/shop, target of check-dev: Environment check-dev does not own Argo CD Application argocd\/shop-dev/,
      );

      const certificates = assertFailed(
        report,
        "certificates",
        /The serving certificate in Secret stagegate-system\/stagegate-webhook-tls .* expires at .*, in 2[34]h: less than --min-cert-validity \(7d 0h\)/,
      );
      assert.match(certificates.fix ?? "", /Renew the certificate/);
      assert.ok(
        certificates.details.some((d) =>
          /The serving certificate of https:\/\/127\.0\.0\.1:\d+ .* is valid until/.test(d),
        ),
        "the certificate the server presents is judged too, and is fine",
      );

      for (const name of ["admission-controls", "webhooks-answering", "webhook-client-auth"]) {
        assert.equal(named(report, name).status, "pass", name);
      }
    } finally {
      for (const restore of restores.reverse()) await restore();
    }
  });

  it("refuses a bad flag with exit status 2, naming the flag", async () => {
    const result = await check(["--min-cert-validity", "7d"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--min-cert-validity must be a duration such as 168h/);
    assert.equal(result.stdout, "");
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
