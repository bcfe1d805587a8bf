// Ways an install goes wrong after it was right, one per check of `stagegate check`, each undone by the function it
// returns. They touch independent parts, so a test can break them all at once and run the check once.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { coreResources } from "../../../src/cli/check/resources.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { OPERATOR_NAMESPACE, type CheckWorld } from "./check-world.js";

/** Puts back what a breakage changed. */
export type Restore = () => Promise<void>;

/** The Lease `--lease` names in the broken run: held by a replica that stopped renewing ten minutes ago. */
export const STALE_LEASE = "stagegate-stale";

export async function createStaleLease(admin: KubeClient): Promise<Restore> {
  const renewed = new Date(Date.now() - 10 * 60_000).toISOString().replace("Z", "000Z");
  await admin.create(
    builtin.lease,
    {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: STALE_LEASE },
      spec: { holderIdentity: "stagegate-operator-old", leaseDurationSeconds: 15, renewTime: renewed },
    },
    OPERATOR_NAMESPACE,
  );
  return () => admin.delete(builtin.lease, STALE_LEASE, OPERATOR_NAMESPACE);
}

/** A ClusterRole reading Secrets, bound to the operator's ServiceAccount by a binding config/rbac does not ship. */
export async function bindExtraClusterRole(admin: KubeClient): Promise<Restore> {
  const name = "stagegate-check-extra";
  await admin.create(coreResources.clusterRole, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name },
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
  });
  await admin.create(coreResources.clusterRoleBinding, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name: "stagegate-operator", namespace: OPERATOR_NAMESPACE }],
  });
  return async () => {
    await admin.delete(coreResources.clusterRoleBinding, name);
    await admin.delete(coreResources.clusterRole, name);
  };
}

/** The Environment CRD as an older release served it: without `spec.description`. */
export async function serveOlderEnvironmentSchema(admin: KubeClient): Promise<Restore> {
  const crd = "environments.stagegate.io";
  const field = "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/description";
  type Served = {
    spec: {
      versions: {
        schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
      }[];
    };
  };
  const served = (await admin.get(coreResources.customResourceDefinition, crd)) as unknown as Served;
  const removed = served.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties.description;
  const patch = (operation: Record<string, unknown>) =>
    admin.patch(coreResources.customResourceDefinition, crd, undefined, [operation], { type: "json" });
  await patch({ op: "remove", path: field });
  return async () => {
    await patch({ op: "add", path: field, value: removed });
  };
}

/** A third Environment claiming prod's Application, and dev narrowed so that the release's dev target leaves it. */
export async function overlapEnvironments(admin: KubeClient): Promise<Restore> {
  await admin.create(resources.environment, {
    apiVersion: API_VERSION,
    kind: "Environment",
    metadata: { name: "check-shadow" },
    spec: {
      delivery: {
        argoCDApplications: { namespaces: ["argocd"], matchLabels: { "stagegate.io/environment": "prod" } },
      },
    },
  });
  const label = (value: string) => ({
    spec: { delivery: { argoCDApplications: { matchLabels: { "stagegate.io/environment": value } } } },
  });
  await admin.patch(resources.environment, "check-dev", undefined, label("dev-eu"), { type: "merge" });
  return async () => {
    await admin.delete(resources.environment, "check-shadow");
    await admin.patch(resources.environment, "check-dev", undefined, label("dev"), { type: "merge" });
  };
}

/** The serving certificate's Secret, holding a certificate from the webhook CA that expires in a day. */
export async function storeNearExpiryCertificate(world: Pick<CheckWorld, "admin" | "tls">): Promise<Restore> {
  const dir = mkdtempSync(path.join(tmpdir(), "stagegate-short-cert-"));
  const [key, csr, crt] = ["tls.key", "tls.csr", "tls.crt"].map((f) => path.join(dir, f)) as [
    string,
    string,
    string,
  ];
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const subject = ["-subj", "/CN=stagegate-webhook.stagegate-system.svc"];
  execFileSync("openssl", ["req", "-new", ...newKey, ...subject, "-keyout", key, "-out", csr], {
    stdio: "ignore",
  });
  const ca = ["-CA", world.tls.ca.certFile, "-CAkey", world.tls.ca.keyFile, "-set_serial", "7"];
  execFileSync("openssl", ["x509", "-req", "-in", csr, ...ca, "-days", "1", "-out", crt], {
    stdio: "ignore",
  });
  const name = "stagegate-webhook-tls";
  const data = {
    "tls.crt": readFileSync(crt).toString("base64"),
    "tls.key": readFileSync(key).toString("base64"),
  };
  await world.admin.create(
    coreResources.secret,
    { apiVersion: "v1", kind: "Secret", metadata: { name }, type: "kubernetes.io/tls", data },
    OPERATOR_NAMESPACE,
  );
  return () => world.admin.delete(coreResources.secret, name, OPERATOR_NAMESPACE);
}
