// config/default on a real kube-apiserver of its own: `kubectl apply -k config/default` (nothing else needed: the
// operator manages its certificate), a second apply that changes nothing, a third that keeps what the operator wrote
// (its certificate Secret's data, the caBundles), removing only the operator (the records, CRDs and closed-objects
// policy stay, still enforced), then `kubectl delete -k config/default`, which removes everything it applied, CRDs
// and so every Stagegate object included. No kubelet runs: objects only.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO } from "../../hack/chart/layout.js";
import {
  closedRecordRefusesEdits,
  startInstallCluster,
  type InstallCluster,
} from "../support/install-cluster.js";
import { waitFor } from "../support/kube.js";
import { changeRequestManifest } from "../integration/webhooks/webhook-test-objects.js";
import { writeAsOperator } from "../support/operator-certificate-writes.js";

const NS = "stagegate-system";
const TEAM = "shop";
const dir = (name: string) => join(REPO, "config", name);

describe("config/default on a real API server", () => {
  let k: InstallCluster;

  const exists = async (args: readonly string[]): Promise<boolean> => {
    const result = await k.kubectl(["get", ...args, "--ignore-not-found", "-o", "name"]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim() !== "";
  };
  const json = async <T>(args: readonly string[]): Promise<T> =>
    JSON.parse(await k.kubectlOk([...args, "-o", "json"])) as T;

  before(async () => {
    k = await startInstallCluster();
    await k.kubectlOk(["create", "namespace", TEAM]);
  });

  after(async () => {
    await k?.stop();
  });

  it("applies with kubectl apply -k config/default; applying again creates nothing, rolls nothing out and keeps what the operator wrote", async () => {
    const out = await k.kubectlOk(["apply", "-k", dir("default")]);
    assert.match(out, /customresourcedefinition\.apiextensions\.k8s\.io\/releases\.stagegate\.io created/);
    assert.match(out, /statefulset\.apps\/stagegate-operator created/);
    assert.match(out, /secret\/stagegate-webhook-certs created/);
    const generation = async (kind: string, name: string) =>
      (await json<{ metadata: { generation: number } }>(["get", kind, name, "-n", NS])).metadata.generation;
    const before = await generation("statefulset", "stagegate-operator");
    const again = await k.kubectlOk(["apply", "-k", dir("default")]);
    assert.doesNotMatch(again, / created$/m, "a second apply creates nothing");
    assert.equal(await generation("statefulset", "stagegate-operator"), before, "nor rolls the operator out");
    const entries = async () =>
      (
        await json<{ webhooks: { clientConfig: { caBundle?: string } }[] }>([
          "get",
          "validatingwebhookconfiguration",
          "stagegate-validating-webhooks",
        ])
      ).webhooks;
    assert.ok(
      (await entries()).every((w) => w.clientConfig.caBundle === undefined),
      "no caBundle: the operator writes it",
    );
    // What the operator writes, a third apply leaves alone (kubectl owns neither the data nor the caBundle).
    const written = await writeAsOperator(k, NS);
    await k.kubectlOk(["apply", "-k", dir("default")]);
    assert.ok((await entries()).every((w) => w.clientConfig.caBundle === written.caBundle));
    const secret = await json<{ data: Record<string, string> }>([
      "get",
      "secret",
      "stagegate-webhook-certs",
      "-n",
      NS,
    ]);
    assert.deepEqual(secret.data, written.data);
    const result = await k.kubectl(
      ["create", "-n", TEAM, "-f", "-"],
      JSON.stringify(changeRequestManifest("refused")),
    );
    assert.notEqual(result.code, 0, "the webhooks fail closed while no operator answers");
    assert.match(result.stderr, /changerequests\.mutate\.stagegate\.io/);
  });

  it("removes only the operator with config/manager and config/webhook, keeping records and their protection", async () => {
    for (const part of ["manager", "webhook"]) await k.kubectlOk(["delete", "-k", dir(part)]);
    assert.equal(await exists(["statefulset", "stagegate-operator", "-n", NS]), false);
    assert.equal(await exists(["mutatingwebhookconfiguration", "stagegate-mutating-webhooks"]), false);
    for (const kept of [
      ["crd", "changerequests.stagegate.io"],
      ["validatingadmissionpolicy", "stagegate-closed-objects-immutable"],
      ["namespace", NS],
    ]) {
      assert.ok(await exists(kept), `${kept.join(" ")} is kept`);
    }
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
      JSON.stringify({ status: { closedAt: "2030-01-01T10:00:00Z", retainUntil: "2030-04-01T10:00:00Z" } }),
    ]);
    await closedRecordRefusesEdits(k, TEAM, "closed");
  });

  it("kubectl delete -k config/default removes everything it applied, the CRDs and every Stagegate object included", async () => {
    await k.kubectlOk(["delete", "-k", dir("default"), "--ignore-not-found", "--wait=false"]);
    await waitFor("the Stagegate CRDs to be deleted", async () =>
      (await exists(["crd", "changerequests.stagegate.io"])) ? undefined : true,
    );
    assert.equal(await exists(["clusterrole", "stagegate-operator"]), false);
    assert.equal(await exists(["validatingadmissionpolicy", "stagegate-closed-objects-immutable"]), false);
    // Deleting the Namespace deletes what is in it (the audit claims too) once kube-controller-manager's namespace
    // controller runs; none runs here, so it stays Terminating.
    const ns = await json<{ metadata: { deletionTimestamp?: string } }>(["get", "namespace", NS]);
    assert.ok(ns.metadata.deletionTimestamp, "the namespace is being deleted");
  });
});
