// What the operator's certificate controller writes, done by hand on an install test's cluster (where no operator
// runs): its data into the empty Secret and its CA into the caBundle of the webhook entries, with its field manager
// and the same kinds of patch. tests/integration/certificates proves the operator writes exactly this; the install
// tests prove Helm and kubectl leave it alone.
import { readCertificateSet } from "../../src/controllers/webhook-certificate/certificate-set.js";
import { CERTIFICATE_FIELD_MANAGER } from "../../src/controllers/webhook-certificate/controller.js";
import { decideCertificates } from "../../src/controllers/webhook-certificate/decide.js";
import { materializeCertificates } from "../../src/controllers/webhook-certificate/materialize.js";
import type { InstallCluster } from "./install-cluster.js";

/** The Secret's data and the caBundle written, as the operator would have written them. */
export interface OperatorWrites {
  data: Record<string, string>;
  caBundle: string;
}

/** Fills `stagegate-webhook-certs` in `namespace` and injects its CA into both webhook configurations. */
export async function writeAsOperator(k: InstallCluster, namespace: string): Promise<OperatorWrites> {
  const policy = {
    hosts: [`stagegate-webhook.${namespace}.svc`],
    caValidityMs: 17_520 * 3_600_000,
    caRenewBeforeMs: 4_380 * 3_600_000,
    certValidityMs: 2_160 * 3_600_000,
    certRenewBeforeMs: 720 * 3_600_000,
  };
  const plan = decideCertificates({
    set: readCertificateSet({}),
    now: new Date(),
    policy,
    nextCaInjected: false,
  });
  const data = materializeCertificates(plan, policy);
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString("base64")]),
  );
  await k.kubectlOk([
    "patch",
    "secret",
    "stagegate-webhook-certs",
    "-n",
    namespace,
    "--type=merge",
    `--field-manager=${CERTIFICATE_FIELD_MANAGER}`,
    "-p",
    JSON.stringify({ data: encoded }),
  ]);
  const caBundle = encoded["ca.crt"] ?? "";
  for (const kind of ["mutatingwebhookconfiguration", "validatingwebhookconfiguration"]) {
    const name = kind.startsWith("mutating")
      ? "stagegate-mutating-webhooks"
      : "stagegate-validating-webhooks";
    const config = JSON.parse(await k.kubectlOk(["get", kind, name, "-o", "json"])) as {
      webhooks: unknown[];
    };
    const patch = config.webhooks.map((_, index) => ({
      op: "add",
      path: `/webhooks/${index}/clientConfig/caBundle`,
      value: caBundle,
    }));
    await k.kubectlOk([
      "patch",
      kind,
      name,
      "--type=json",
      `--field-manager=${CERTIFICATE_FIELD_MANAGER}`,
      "-p",
      JSON.stringify(patch),
    ]);
  }
  return { data: encoded, caBundle };
}
