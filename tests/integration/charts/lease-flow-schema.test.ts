// The chart's FlowSchema puts the operator's Lease requests in the API server's leader-election priority level: the
// real API server, asked as the operator's ServiceAccount, says which FlowSchema and priority level classified each
// request (the X-Kubernetes-PF-* response headers), and only Lease requests of that account in the release
// namespace are lifted; its other requests and other accounts' Lease requests are not.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import https from "node:https";
import { parse } from "yaml";
import { after, before, describe, it } from "node:test";
import { renderChart } from "../../../hack/chart/render.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin, type ResourceType } from "../../../src/runtime/kube/resource.js";
import { kubeconfigPath, testCluster } from "../../support/cluster.js";
import { coreResources } from "../../support/core-resources.js";
import { helmBinary } from "../../support/install-cluster.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { requestToken, requestWithToken, type BearerTarget } from "../../support/service-account-token.js";

const flowSchemas: ResourceType = {
  group: "flowcontrol.apiserver.k8s.io",
  version: "v1",
  plural: "flowschemas",
  kind: "FlowSchema",
  namespaced: false,
};
const priorityLevels: ResourceType = { ...flowSchemas, plural: "prioritylevelconfigurations", kind: "PriorityLevelConfiguration" };

describe("the chart's FlowSchema lifts the operator's Lease requests to the leader-election priority level", () => {
  let admin: KubeClient;
  let namespace = "";
  let schemaName = "";
  let schemaUid = "";
  let leaderElectionUid = "";
  const as = async (account: string): Promise<BearerTarget> => ({
    url: testCluster().server,
    caPem: await readFile(testCluster().caFile, "utf8"),
    token: await requestToken(admin, namespace, account),
    userAgent: "stagegate-flow-schema-test",
  });
  const classified = async (account: string, path: string) => {
    const answer = await requestWithToken(await as(account), "GET", path);
    return {
      flowSchema: answer.headers["x-kubernetes-pf-flowschema-uid"],
      priorityLevel: answer.headers["x-kubernetes-pf-prioritylevel-uid"],
    };
  };

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "flow-schema");
    const objects = await renderChart(await helmBinary(), { namespace });
    const rendered = objects.find((o) => o.kind === "FlowSchema");
    assert.ok(rendered, "the chart renders a FlowSchema by default");
    // A name of this run's own: the shared cluster may hold another test's.
    schemaName = `${rendered.metadata.name}-${randomBytes(3).toString("hex")}`;
    const created = await admin.create(flowSchemas, {
      ...rendered,
      metadata: { name: schemaName, labels: rendered.metadata.labels },
    });
    schemaUid = created.metadata.uid ?? "";
    leaderElectionUid = (await admin.get(priorityLevels, "leader-election")).metadata.uid ?? "";
    for (const account of ["stagegate-operator", "someone-else"]) {
      await admin.create(
        coreResources.serviceAccount,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: account, namespace } },
        namespace,
      );
    }
  });
  after(async () => {
    if (schemaName !== "") await admin.delete(flowSchemas, schemaName).catch(() => undefined);
    if (namespace !== "") await admin.delete(builtin.namespace, namespace).catch(() => undefined);
    admin?.close();
  });

  it("classifies the operator's Lease read in the release namespace under it, at leader-election", async () => {
    assert.notEqual(leaderElectionUid, "");
    const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/stagegate-operator`;
    // The API server loads a new FlowSchema asynchronously; until then the request falls to a default schema.
    const seen = await waitFor("the API server to classify by the new FlowSchema", async () => {
      const answer = await classified("stagegate-operator", path);
      return answer.flowSchema === schemaUid ? answer : undefined;
    });
    assert.deepEqual(seen, { flowSchema: schemaUid, priorityLevel: leaderElectionUid });
  });

  it("leaves the operator's other requests and other accounts' Lease requests where they were", async () => {
    const other = await classified("stagegate-operator", `/api/v1/namespaces/${namespace}/configmaps`);
    assert.notEqual(other.flowSchema, schemaUid);
    const stranger = await classified(
      "someone-else",
      `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/stagegate-operator`,
    );
    assert.notEqual(stranger.flowSchema, schemaUid);
    assert.notEqual(stranger.priorityLevel, leaderElectionUid);
  });
});

/** The PF classification of one GET sent with the client certificate of a local identity's kubeconfig. */
async function classifiedWithCertificate(
  identity: "operator" | "bob",
  path: string,
): Promise<{ flowSchema: string; priorityLevel: string }> {
  const kubeconfig = parse(await readFile(kubeconfigPath(identity), "utf8")) as {
    users: { user: { "client-certificate": string; "client-key": string } }[];
  };
  const user = kubeconfig.users[0]?.user;
  assert.ok(user, `the ${identity} kubeconfig names a client certificate`);
  const [cert, key, ca] = await Promise.all([
    readFile(user["client-certificate"], "utf8"),
    readFile(user["client-key"], "utf8"),
    readFile(testCluster().caFile, "utf8"),
  ]);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, testCluster().server), { cert, key, ca, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({
          flowSchema: String(res.headers["x-kubernetes-pf-flowschema-uid"] ?? ""),
          priorityLevel: String(res.headers["x-kubernetes-pf-prioritylevel-uid"] ?? ""),
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

// The local control plane runs the operator as the `stagegate-operator` client-certificate user, not as the chart's
// ServiceAccount; hack/manifests gives that user the same lift, so local runs (tests, the demo, make bench-scale)
// renew the Lease as an installed operator does.
describe("the local cluster lifts its operator user's Lease requests in stagegate-system the same way", () => {
  const leasePath = "/apis/coordination.k8s.io/v1/namespaces/stagegate-system/leases/stagegate-operator";
  let schemaUid = "";
  let leaderElectionUid = "";

  before(async () => {
    const admin = await clientFor("admin");
    try {
      schemaUid = (await admin.get(flowSchemas, "stagegate-leader-election-local-user")).metadata.uid ?? "";
      leaderElectionUid = (await admin.get(priorityLevels, "leader-election")).metadata.uid ?? "";
    } finally {
      admin.close();
    }
  });

  it("classifies the operator user's Lease read under the local FlowSchema, at leader-election", async () => {
    assert.notEqual(schemaUid, "", "hack/manifests installs stagegate-leader-election-local-user");
    const seen = await waitFor("the API server to classify by the local FlowSchema", async () => {
      const answer = await classifiedWithCertificate("operator", leasePath);
      return answer.flowSchema === schemaUid ? answer : undefined;
    });
    assert.deepEqual(seen, { flowSchema: schemaUid, priorityLevel: leaderElectionUid });
  });

  it("leaves another user's Lease read and the operator's other requests at their own levels", async () => {
    const bob = await classifiedWithCertificate("bob", leasePath);
    assert.notEqual(bob.flowSchema, schemaUid);
    assert.notEqual(bob.priorityLevel, leaderElectionUid);
    const other = await classifiedWithCertificate("operator", "/apis/stagegate.io/v1alpha1/releases");
    assert.notEqual(other.flowSchema, schemaUid);
  });
});
