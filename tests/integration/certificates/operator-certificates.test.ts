// The operator manages its own webhook certificate (--cert-source=operator), as its own process with exactly the
// shipped certificate rights: it fills the empty Secret the install made, writes its CA into the caBundle of the two
// webhook configurations it owns, and the real API server then calls the webhooks over TLS it verifies with that CA.
// A Secret overwritten with garbage is repaired and reported; a deleted one is reported with the fix, and a replica
// started meanwhile stays unready until a certificate is served; nothing the operator does not own is touched.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { readCertificateSet } from "../../../src/controllers/webhook-certificate/certificate-set.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { kubectl } from "../../support/cluster.js";
import {
  askWebhook,
  certificateSecret,
  FOREIGN_CA_BUNDLE,
  prepareCertificateStand,
  refusedByWebhook,
  STARTUP_TIMEOUT_MS,
  startCertificateReplica,
  webhookConfigurationType,
  type CertificateReplica,
  type CertificateStand,
} from "../../support/certificate-operator.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";

type Entry = { name: string; clientConfig: { url?: string; caBundle?: string } };
const mutatingType = webhookConfigurationType("MutatingWebhookConfiguration");
const validatingType = webhookConfigurationType("ValidatingWebhookConfiguration");

/** GET /readyz of a replica: its status and body. */
async function readyz(replica: CertificateReplica): Promise<{ status: number; body: string }> {
  const port = Number(
    (await replica.process.waitForLog("Serving probes and metrics", {}, STARTUP_TIMEOUT_MS)).probePort,
  );
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/readyz" }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("the operator manages its webhook certificate", () => {
  let admin: KubeClient;
  let namespace = "";
  let stand: CertificateStand;
  let leader: CertificateReplica;
  let late: CertificateReplica | undefined;
  let foreignName = "";
  let foreignVersion = "";

  const entries = async (type = validatingType, name = stand.validating): Promise<Entry[]> =>
    (await admin.get(type, name)).webhooks as Entry[];
  const eventsAbout = async (reason: string) =>
    (await admin.list(builtin.event, { namespace })).items.filter(
      (e) => (e.regarding as { name?: string }).name === stand.secret && e.reason === reason,
    );

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "certs");
    stand = await prepareCertificateStand(admin, namespace, 1, { foreignEntry: true });
    // A configuration that looks like the operator's (same target) but is not one it owns.
    foreignName = `certs-${stand.id}-foreign`;
    const [first] = await entries();
    const foreign = await admin.create(validatingType, {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: foreignName },
      webhooks: [
        {
          ...first,
          name: "lookalike.validate.stagegate.io",
          clientConfig: { ...first?.clientConfig, caBundle: FOREIGN_CA_BUNDLE },
          objectSelector: { matchLabels: { "stagegate.io/never": "true" } },
        },
      ],
    });
    foreignVersion = foreign.metadata.resourceVersion ?? "";
    leader = await startCertificateReplica(stand, 0);
    await leader.process.waitForLog("Became the leader; starting controllers", {}, STARTUP_TIMEOUT_MS);
  });

  after(async () => {
    await late?.process.stop();
    await leader?.process.stop();
    await stand?.remove();
    if (admin !== undefined) {
      await admin.delete(validatingType, foreignName).catch(() => undefined);
      await admin.delete(builtin.namespace, namespace).catch(() => undefined);
      admin.close();
    }
  });

  it("issues a CA and a serving certificate into the empty Secret and injects the CA into both configurations", async () => {
    const data = await waitFor("the Secret to be filled", async () => {
      const d = await certificateSecret(admin, stand);
      return d["tls.crt"] === undefined ? undefined : d;
    });
    const set = readCertificateSet(data);
    assert.deepEqual(set.problems, []);
    assert.ok(set.signing && set.serving && set.next === undefined);
    assert.ok(set.serving.cert.verify(set.signing.cert.publicKey), "the serving certificate is the CA's");
    assert.equal(set.serving.cert.subjectAltName, "IP Address:127.0.0.1", "the host of --webhook-url");
    const caBundle = Buffer.from(data["ca.crt"] ?? "").toString("base64");
    await waitFor("the CA in every caBundle of both configurations", async () => {
      const all = [...(await entries(mutatingType, stand.mutating)), ...(await entries())];
      const ours = all.filter((e) => e.name !== "foreign.example.com");
      return ours.length === 9 && ours.every((e) => e.clientConfig.caBundle === caBundle) ? true : undefined;
    });
    assert.equal(
      (await eventsAbout("IssuedCertificateAuthority")).length,
      1,
      "one Normal event on the Secret",
    );
  });

  it("is called by the real API server over TLS verified with the injected CA: what the webhook refuses is refused by it", async () => {
    const answer = await waitFor("the API server to reach the webhook", async () => {
      const a = await askWebhook(admin, namespace);
      return refusedByWebhook(a) ? a : undefined;
    });
    assert.match(answer, /admission webhook "approvals\.validate\.stagegate\.io" denied the request/);
    assert.deepEqual(await readyz(leader), { status: 200, body: "ok\n" });
  });

  it("repairs a Secret overwritten with garbage, says why, and the API server reaches the webhook again", async () => {
    const before = await certificateSecret(admin, stand);
    const garbage = Buffer.from("garbage").toString("base64");
    await admin.patch(
      builtin.secret,
      stand.secret,
      namespace,
      { data: { "ca.crt": garbage, "ca.key": garbage, "tls.crt": garbage, "tls.key": garbage } },
      { type: "merge" },
    );
    const logged = await leader.process.waitForLog(
      "Repaired or rotated the webhook certificates out of turn",
      {
        reason: "RepairedCertificates",
      },
    );
    assert.match(
      String(logged.detail),
      /because ca\.crt holds no PEM certificate; ca\.key is not the key of any certificate in ca\.crt; tls\.crt does not parse\.$/,
    );
    const [event] = await waitFor("a Warning event on the Secret", async () => {
      const found = await eventsAbout("RepairedCertificates");
      return found.length > 0 ? found : undefined;
    });
    assert.equal(event?.type, "Warning");
    assert.match(String(event?.note), /Replaced the Secret's certificates with a new CA/);
    await leader.process.waitForLog(
      "Kept serving the previous certificate: the Secret's tls.crt and tls.key do not load",
    );
    const after = await waitFor("a usable Secret again", async () => {
      const d = await certificateSecret(admin, stand);
      return readCertificateSet(d).problems.length === 0 && d["tls.crt"] !== undefined ? d : undefined;
    });
    assert.notEqual(after["ca.crt"], before["ca.crt"], "a new CA: nothing of the garbage is kept");
    await waitFor("the API server to reach the webhook with the new CA", async () =>
      refusedByWebhook(await askWebhook(admin, namespace)) ? true : undefined,
    );
  });

  it("reports a deleted Secret with the fix; a replica started meanwhile is unready until a certificate is served", async () => {
    await admin.delete(builtin.secret, stand.secret, namespace);
    const failed = await waitFor("the leader to report the missing Secret", () =>
      leader.process
        .logs()
        .find(
          (l) =>
            l.msg === "Reconcile failed; retrying with backoff" &&
            l.controller === "webhook-certificate" &&
            /does not exist and the operator may not create it/.test(String(l.err)),
        ),
    );
    assert.match(
      String(failed.err),
      new RegExp(`kubectl -n ${namespace} create secret generic ${stand.secret}`),
    );
    assert.ok(refusedByWebhook(await askWebhook(admin, namespace)), "the last certificate keeps serving");

    late = await startCertificateReplica(stand, 1);
    await late.process.waitForLog("Synced every informer cache", {}, STARTUP_TIMEOUT_MS);
    const unready = await readyz(late);
    assert.equal(unready.status, 503);
    assert.equal(unready.body, `no serving certificate in Secret ${namespace}/${stand.secret} yet\n`);

    await admin.create(
      builtin.secret,
      { apiVersion: "v1", kind: "Secret", metadata: { name: stand.secret, namespace } },
      namespace,
    );
    await waitFor("the late replica to turn ready once the leader filled the Secret", async () =>
      (await readyz(late!)).status === 200 ? true : undefined,
    );
  });

  it("touches no webhook configuration, entry or Secret it does not own, and may not", async () => {
    const foreign = await admin.get(validatingType, foreignName);
    assert.equal(
      foreign.metadata.resourceVersion,
      foreignVersion,
      "the look-alike configuration is untouched",
    );
    const foreignEntry = (await entries()).find((e) => e.name === "foreign.example.com");
    assert.equal(
      foreignEntry?.clientConfig.caBundle,
      FOREIGN_CA_BUNDLE,
      "an entry calling elsewhere keeps its CA",
    );
    const canI = async (...args: string[]) =>
      (await kubectl("operator", ["auth", "can-i", ...args])).stdout.trim();
    assert.equal(await canI("patch", `validatingwebhookconfigurations/${stand.validating}`), "yes");
    assert.equal(await canI("patch", `mutatingwebhookconfigurations/${stand.mutating}`), "yes");
    assert.equal(await canI("patch", `validatingwebhookconfigurations/${foreignName}`), "no");
    assert.equal(await canI("patch", `secrets/${stand.secret}`, "-n", namespace), "yes");
    assert.equal(await canI("get", "secrets/another", "-n", namespace), "no");
    assert.equal(await canI("create", "secrets", "-n", namespace), "no");
  });
});
