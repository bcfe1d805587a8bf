// The Helm chart on a real kube-apiserver of its own: `helm template` with default and non-default values
// accepted by a server-side dry run, then a real install (of an older chart whose Release CRD lacks a column),
// an upgrade that upgrades the CRD and keeps what the operator wrote (its certificate Secret's data, the caBundles)
// and the seal, an uninstall that keeps the CRDs, the closed records (still immutable), the closed-objects policy,
// the seal and the audit claims, a reinstall that adopts them, an uninstall with crds.keep=false that removes the
// CRDs, and the Helm-generated certificate source with a move from it to the operator's. No kubelet runs here: pods
// are never scheduled, so this proves the objects, not the running operator.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { CHART_DIR } from "../../hack/chart/layout.js";
import {
  closedRecordRefusesEdits,
  helmOffline,
  startInstallCluster,
  type InstallCluster,
} from "../support/install-cluster.js";
import { waitFor } from "../support/kube.js";
import { changeRequestManifest } from "../integration/webhooks/webhook-test-objects.js";
import { writeAsOperator } from "../support/operator-certificate-writes.js";

const NS = "stagegate-system";
const TEAM = "shop";
const CLOSED_AT = "2030-01-01T10:00:00Z";
/** The printer column the older chart's Release CRD lacks; the upgrade brings it. */
const NEW_COLUMN = "Age";

interface Crd {
  spec: { versions: { additionalPrinterColumns?: { name: string }[] }[] };
}

/** A copy of the chart as an older version: its Release CRD has one printer column fewer. */
async function olderChart(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-chart-old-"));
  await cp(CHART_DIR, dir, { recursive: true });
  const chartYaml = join(dir, "Chart.yaml");
  await writeFile(chartYaml, (await readFile(chartYaml, "utf8")).replace(/^version: .*$/m, "version: 0.0.9"));
  const crdFile = join(dir, "files/crds/stagegate.io_releases.yaml");
  const crd = parse(await readFile(crdFile, "utf8")) as Crd;
  for (const version of crd.spec.versions) {
    const columns = version.additionalPrinterColumns ?? [];
    assert.ok(
      columns.some((c) => c.name === NEW_COLUMN),
      `the Release CRD has a ${NEW_COLUMN} column`,
    );
    version.additionalPrinterColumns = columns.filter((c) => c.name !== NEW_COLUMN);
  }
  await writeFile(crdFile, stringify(crd));
  return dir;
}

describe("the Helm chart on a real API server", () => {
  let k: InstallCluster;
  let oldChart = "";
  let clientCaArgs: string[] = [];

  const json = async <T>(args: readonly string[]): Promise<T> =>
    JSON.parse(await k.kubectlOk([...args, "-o", "json"])) as T;
  const exists = async (args: readonly string[]): Promise<boolean> => {
    const result = await k.kubectl(["get", ...args, "--ignore-not-found", "-o", "name"]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim() !== "";
  };
  const secretData = async (name: string) =>
    (await json<{ data: Record<string, string> }>(["get", "secret", name, "-n", NS])).data;
  type Entry = {
    failurePolicy: string;
    clientConfig: { caBundle?: string; service: { name: string; namespace: string } };
  };
  const webhookEntries = async (): Promise<Entry[]> => {
    const entries: Entry[] = [];
    for (const kind of ["mutatingwebhookconfiguration", "validatingwebhookconfiguration"]) {
      const configs = await json<{ items: { webhooks: Entry[] }[] }>([
        "get",
        kind,
        "-l",
        "app.kubernetes.io/instance=stagegate",
      ]);
      const found = configs.items.flatMap((c) => c.webhooks);
      // Releases, ChangeRequests, Approvals and DeploymentTasks; WorkflowTemplates are validated only.
      assert.equal(found.length, kind === "validatingwebhookconfiguration" ? 5 : 4, kind);
      entries.push(...found);
    }
    return entries;
  };
  const releaseColumns = async () =>
    (
      await json<Crd>(["get", "crd", "releases.stagegate.io"])
    ).spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name) ?? [];
  const dryRun = async (rendered: string): Promise<string> =>
    k.kubectlOk(
      ["apply", "--server-side", "--dry-run=server", "--field-manager=helm-template", "-f", "-"],
      rendered,
    );

  before(async () => {
    k = await startInstallCluster();
    oldChart = await olderChart();
    // The CA of kube-apiserver's webhook client certificate, as a platform engineer passes it.
    clientCaArgs = ["--set-file", `webhook.clientCA.pem=${k.cluster.webhookClientCaFile}`];
    await k.kubectlOk(["create", "namespace", TEAM]);
  });

  after(async () => {
    await rm(oldChart, { recursive: true, force: true });
    await k?.stop();
  });

  it("helm template with the default values is accepted by the API server (server-side dry run)", async () => {
    await k.kubectlOk(["create", "namespace", "dry-run-default"]);
    const rendered = await helmOffline(["template", "stagegate", CHART_DIR, "--namespace=dry-run-default"]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const out = await dryRun(rendered.stdout);
    for (const kind of [
      "customresourcedefinition",
      "statefulset",
      "mutatingwebhookconfiguration",
      "networkpolicy",
    ]) {
      assert.match(out, new RegExp(`${kind}[^\\n]* serverside-applied \\(server dry run\\)`), kind);
    }
  });

  it("helm template with non-default values is accepted too (cert-manager, Prometheus Operator, no persistence)", async () => {
    await k.kubectlOk(["create", "namespace", "dry-run-custom"]);
    const rendered = await helmOffline([
      "template",
      "stagegate",
      CHART_DIR,
      "--namespace=dry-run-custom",
      ...clientCaArgs,
      ...[
        "replicas=3",
        "podDisruptionBudget.minAvailable=2",
        "webhook.certificate.source=certManager",
        "webhook.namespaceSelector.matchLabels.stagegate=enabled",
        "metrics.serviceMonitor.enabled=true",
        "metrics.prometheusRule.enabled=true",
        "audit.persistence.enabled=false",
        "receivers.service.type=LoadBalancer",
        "receivers.alertmanager.tokenSecret=alertmanager-tokens",
        "networkPolicy.webhook.from[0].ipBlock.cidr=10.0.0.0/24",
        "operator.commitAuthors.configMap=commit-authors",
        "crds.keep=false",
      ].flatMap((value) => ["--set", value]),
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const out = await dryRun(rendered.stdout);
    for (const kind of [
      "certificate.cert-manager.io",
      "issuer.cert-manager.io",
      "servicemonitor",
      "prometheusrule",
    ]) {
      assert.match(out, new RegExp(`${kind}[^\\n]* serverside-applied \\(server dry run\\)`), kind);
    }
  });

  it("the dashboard's proxy listener, the calendar feed and notifications are off by default, and accepted by the API server when on", async () => {
    const defaults = await helmOffline(["template", "stagegate", CHART_DIR, "--namespace=dry-run-listeners"]);
    assert.equal(defaults.code, 0, defaults.stderr);
    for (const absent of [
      "--calendar-feed-bind-address",
      "--notifications",
      "--proxy-address",
      "stagegate-calendar-feed",
      "name: stagegate-dashboard",
    ]) {
      assert.equal(defaults.stdout.includes(absent), false, `${absent} is not rendered by default`);
    }
    await k.kubectlOk(["create", "namespace", "dry-run-listeners"]);
    const rendered = await helmOffline([
      "template",
      "stagegate",
      CHART_DIR,
      "--namespace=dry-run-listeners",
      ...clientCaArgs,
      ...[
        "dashboard.enabled=true",
        "dashboard.tlsSecret=dashboard-tls",
        "dashboard.proxy.enabled=true",
        "dashboard.proxy.clientCA.configMap=dashboard-proxy-ca",
        "dashboard.proxy.allowedNames={oauth2-proxy}",
        "dashboard.proxy.from[0].podSelector.matchLabels.app=oauth2-proxy",
        "calendarFeed.enabled=true",
        "networkPolicy.calendarFeed.from[0].namespaceSelector.matchLabels.calendar=readers",
        "notifications.enabled=true",
        "notifications.allowedNetworks={10.20.0.0/16}",
      ].flatMap((value) => ["--set", value]),
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const out = await dryRun(rendered.stdout);
    for (const object of [
      "service/stagegate-calendar-feed",
      "networkpolicy.networking.k8s.io/stagegate-operator-calendar-feed",
      "networkpolicy.networking.k8s.io/stagegate-dashboard",
      "deployment.apps/stagegate-dashboard",
      "service/stagegate-dashboard",
      "statefulset.apps/stagegate-operator",
    ]) {
      assert.match(out, new RegExp(`${object} serverside-applied \\(server dry run\\)`), object);
    }
  });

  it("installs (an older chart) with CRDs, the empty certificate Secret, webhooks whose caBundle the operator writes, and the operator's RBAC", async () => {
    const install = await k.helm([
      "install",
      "stagegate",
      oldChart,
      "-n",
      NS,
      "--create-namespace",
      ...clientCaArgs,
    ]);
    assert.equal(install.code, 0, install.stderr);
    assert.ok(!(await releaseColumns()).includes(NEW_COLUMN), "the older CRD");
    const sts = await json<{ spec: { replicas: number } }>([
      "get",
      "statefulset",
      "stagegate-operator",
      "-n",
      NS,
    ]);
    assert.equal(sts.spec.replicas, 2);

    const certs = await json<{ type: string; data?: unknown }>([
      "get",
      "secret",
      "stagegate-webhook-certs",
      "-n",
      NS,
    ]);
    assert.equal(certs.type, "Opaque");
    assert.equal(certs.data, undefined, "empty until the operator fills it");
    for (const entry of await webhookEntries()) {
      assert.equal(entry.clientConfig.caBundle, undefined, "no caBundle until the operator writes it");
      assert.deepEqual(entry.clientConfig.service, {
        ...entry.clientConfig.service,
        name: "stagegate-webhook",
        namespace: NS,
      });
      assert.equal(entry.failurePolicy, "Fail");
    }
    const clientCa = await json<{ data: Record<string, string> }>([
      "get",
      "configmap",
      "stagegate-webhook-client-ca",
      "-n",
      NS,
    ]);
    assert.equal(
      clientCa.data["ca.crt"]?.trim(),
      (await readFile(k.cluster.webhookClientCaFile, "utf8")).trim(),
    );

    // What the chart's ServiceAccount may do, as the API server's RBAC answers.
    const sa = `system:serviceaccount:${NS}:stagegate-operator`;
    const canI = async (...args: string[]) =>
      (await k.kubectl(["auth", "can-i", `--as=${sa}`, ...args])).stdout.trim();
    assert.equal(await canI("list", "releases.stagegate.io", "-A"), "yes");
    assert.equal(
      await canI("update", "changerequests.stagegate.io", "--subresource=status", "-n", TEAM),
      "yes",
    );
    assert.equal(await canI("update", "leases.coordination.k8s.io", "-n", NS), "yes");
    assert.equal(await canI("update", "leases.coordination.k8s.io", "-n", TEAM), "no");
    assert.equal(await canI("get", "secrets", "-n", NS), "no");
    // The certificate it manages, by name only: its Secret, and the caBundle of its two configurations.
    assert.equal(await canI("patch", "secrets/stagegate-webhook-certs", "-n", NS), "yes");
    assert.equal(await canI("watch", "secrets/stagegate-webhook-certs", "-n", NS), "yes");
    assert.equal(await canI("get", "secrets/stagegate-rollback-seal", "-n", NS), "no");
    assert.equal(await canI("create", "secrets", "-n", NS), "no");
    assert.equal(await canI("patch", "validatingwebhookconfigurations/stagegate-validating-webhooks"), "yes");
    assert.equal(await canI("patch", "mutatingwebhookconfigurations/stagegate-mutating-webhooks"), "yes");
    assert.equal(await canI("patch", "validatingwebhookconfigurations/another-webhooks"), "no");
    assert.equal(await canI("delete", "validatingwebhookconfigurations"), "no");
    assert.equal(await canI("update", "customresourcedefinitions"), "no");
  });

  it("registers webhooks that fail closed while no operator answers", async () => {
    const result = await k.kubectl(
      ["create", "-n", TEAM, "-f", "-"],
      JSON.stringify(changeRequestManifest("refused")),
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /changerequests\.mutate\.stagegate\.io/);
  });

  it("upgrades the CRD, restores a deleted webhook configuration, and keeps what the operator wrote and the seal", async () => {
    const written = await writeAsOperator(k, NS);
    const sealBefore = await secretData("stagegate-rollback-seal");
    // A closed record, made while the webhooks are away (no operator runs here to answer them).
    await k.kubectlOk(["delete", "mutatingwebhookconfiguration", "stagegate-mutating-webhooks"]);
    await k.kubectlOk(["delete", "validatingwebhookconfiguration", "stagegate-validating-webhooks"]);
    await k.kubectlOk(["create", "-n", TEAM, "-f", "-"], JSON.stringify(changeRequestManifest("closed")));
    await k.kubectlOk([
      "patch",
      "changerequest",
      "closed",
      "-n",
      TEAM,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { closedAt: CLOSED_AT, retainUntil: "2030-04-01T10:00:00Z" } }),
    ]);

    const upgrade = await k.helm(["upgrade", "stagegate", CHART_DIR, "-n", NS, ...clientCaArgs]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.ok((await releaseColumns()).includes(NEW_COLUMN), "helm upgrade upgraded the Release CRD");
    assert.ok(await exists(["mutatingwebhookconfiguration", "stagegate-mutating-webhooks"]));
    assert.ok(await exists(["validatingwebhookconfiguration", "stagegate-validating-webhooks"]));
    assert.deepEqual(
      await secretData("stagegate-webhook-certs"),
      written.data,
      "the operator's CAs and certificate are kept: Helm does not own the Secret's data",
    );
    assert.deepEqual(await secretData("stagegate-rollback-seal"), sealBefore, "the seal is kept");

    // The operator writes the caBundle into the restored configurations; the next upgrade leaves it alone.
    const again = await writeAsOperator(k, NS);
    const upgradeAgain = await k.helm(["upgrade", "stagegate", CHART_DIR, "-n", NS, "--reuse-values"]);
    assert.equal(upgradeAgain.code, 0, upgradeAgain.stderr);
    for (const entry of await webhookEntries()) {
      assert.equal(entry.clientConfig.caBundle, again.caBundle, "Helm does not own the caBundle");
    }
  });

  it("uninstalls the operator and its webhooks, and keeps the CRDs, closed records (still immutable), the policy, the seal and the audit claims", async () => {
    // The claim the StatefulSet controller would have made for replica 0 (no controller runs here).
    await k.kubectlOk(
      ["create", "-n", NS, "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: "audit-stagegate-operator-0",
          labels: { "app.kubernetes.io/name": "stagegate", "app.kubernetes.io/component": "audit" },
        },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      }),
    );
    const seal = await secretData("stagegate-rollback-seal");
    const uninstall = await k.helm(["uninstall", "stagegate", "-n", NS]);
    assert.equal(uninstall.code, 0, uninstall.stderr);

    for (const gone of [
      ["statefulset", "stagegate-operator", "-n", NS],
      ["service", "stagegate-webhook", "-n", NS],
      ["secret", "stagegate-webhook-certs", "-n", NS],
      ["mutatingwebhookconfiguration", "stagegate-mutating-webhooks"],
      ["validatingwebhookconfiguration", "stagegate-validating-webhooks"],
      ["clusterrole", "stagegate-operator"],
    ]) {
      assert.equal(await exists(gone), false, `${gone.join(" ")} is removed`);
    }
    for (const kept of [
      ["crd", "releases.stagegate.io"],
      ["crd", "changerequests.stagegate.io"],
      ["validatingadmissionpolicy", "stagegate-closed-objects-immutable"],
      ["validatingadmissionpolicybinding", "stagegate-closed-objects-immutable"],
      ["secret", "stagegate-rollback-seal", "-n", NS],
      ["persistentvolumeclaim", "audit-stagegate-operator-0", "-n", NS],
    ]) {
      assert.ok(await exists(kept), `${kept.join(" ")} is kept`);
    }
    const record = await json<{ status: { closedAt: string } }>([
      "get",
      "changerequest",
      "closed",
      "-n",
      TEAM,
    ]);
    assert.equal(record.status.closedAt, CLOSED_AT);
    await closedRecordRefusesEdits(k, TEAM, "closed");

    const reinstall = await k.helm(["install", "stagegate", CHART_DIR, "-n", NS, ...clientCaArgs]);
    assert.equal(reinstall.code, 0, `a reinstall adopts what was kept: ${reinstall.stderr}`);
    assert.deepEqual(
      await secretData("stagegate-rollback-seal"),
      seal,
      "sealed tasks left behind still verify",
    );
  });

  it("with crds.keep=false, uninstall removes the CRDs and with them every Stagegate object", async () => {
    const upgrade = await k.helm([
      "upgrade",
      "stagegate",
      CHART_DIR,
      "-n",
      NS,
      "--reuse-values",
      "--set",
      "crds.keep=false",
    ]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const uninstall = await k.helm(["uninstall", "stagegate", "-n", NS]);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    // The API server deletes each CRD once it has deleted its objects, one CRD after another: wait for every one.
    for (const plural of ["changerequests", "approvals", "releases", "deploymenttasks", "environments"]) {
      await waitFor(`the ${plural}.stagegate.io CRD to be deleted`, async () =>
        (await exists(["crd", `${plural}.stagegate.io`])) ? undefined : true,
      );
    }
    assert.equal(await exists(["validatingadmissionpolicy", "stagegate-closed-objects-immutable"]), false);
  });

  it("still offers the helm source (generated at install, kept on upgrade), and moves from it to the operator", async () => {
    const install = await k.helm([
      "install",
      "stagegate",
      CHART_DIR,
      "-n",
      NS,
      ...clientCaArgs,
      "--set",
      "webhook.certificate.source=helm",
    ]);
    assert.equal(install.code, 0, install.stderr);
    const tls = await secretData("stagegate-webhook-tls");
    const ca = new X509Certificate(Buffer.from(tls["ca.crt"] ?? "", "base64"));
    const serving = new X509Certificate(Buffer.from(tls["tls.crt"] ?? "", "base64"));
    assert.ok(serving.verify(ca.publicKey), "the serving certificate is signed by the CA");
    assert.match(serving.subjectAltName ?? "", /DNS:stagegate-webhook\.stagegate-system\.svc/);
    for (const entry of await webhookEntries()) assert.equal(entry.clientConfig.caBundle, tls["ca.crt"]);
    const sa = `system:serviceaccount:${NS}:stagegate-operator`;
    const canI = async (...args: string[]) =>
      (await k.kubectl(["auth", "can-i", `--as=${sa}`, ...args])).stdout.trim();
    assert.equal(await canI("patch", "validatingwebhookconfigurations/stagegate-validating-webhooks"), "no");

    const kept = await k.helm(["upgrade", "stagegate", CHART_DIR, "-n", NS, "--reuse-values"]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(await secretData("stagegate-webhook-tls"), tls, "kept across upgrades");

    const moved = await k.helm([
      "upgrade",
      "stagegate",
      CHART_DIR,
      "-n",
      NS,
      "--reuse-values",
      "--set",
      "webhook.certificate.source=operator",
    ]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(await exists(["secret", "stagegate-webhook-tls", "-n", NS]), false);
    assert.ok(await exists(["secret", "stagegate-webhook-certs", "-n", NS]));
    for (const entry of await webhookEntries()) {
      assert.equal(
        entry.clientConfig.caBundle,
        undefined,
        "the Helm-made caBundle is gone; the operator writes its own",
      );
    }
    assert.equal(await canI("patch", "validatingwebhookconfigurations/stagegate-validating-webhooks"), "yes");
  });
});
