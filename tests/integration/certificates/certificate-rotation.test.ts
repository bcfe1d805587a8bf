// Rotation under load, with two replicas behind one address (as behind the webhook Service): with certificates
// made to live seconds (the --cert-* flags), the leader renews the serving certificate again and again, publishes a
// next CA, switches to it and retires the old one, while the real API server keeps calling the webhooks through
// both replicas. Every call made meanwhile must be answered by a webhook (no TLS failure in between), the replica
// that is not the leader must serve each new certificate the leader wrote, and the admission guard of both must
// keep finding the controls intact across every rotation.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readCertificateSet } from "../../../src/controllers/webhook-certificate/certificate-set.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import {
  askWebhook,
  certificateSecret,
  fingerprintOf,
  prepareCertificateStand,
  refusedByWebhook,
  STARTUP_TIMEOUT_MS,
  servedFingerprint,
  startCertificateReplica,
  webhookConfigurationType,
  type CertificateReplica,
  type CertificateStand,
} from "../../support/certificate-operator.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";

/** Certificates that live seconds: a serving certificate renewed every ~8 s, a CA published, switched, retired. */
const SHORT_LIVED = [
  "--cert-validity=20s",
  "--cert-renew-before=12s",
  "--cert-ca-validity=60s",
  "--cert-ca-renew-before=40s",
];

/** What the Secret held at one moment: the serving certificate and the CA that signs. */
interface Observed {
  serving: string;
  signingCa: string;
  caNotAfter: number;
}

describe("rotating the operator's certificates under load, with a leader and a standby", () => {
  let admin: KubeClient;
  let namespace = "";
  let stand: CertificateStand;
  let leader: CertificateReplica;
  let standby: CertificateReplica;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "certs-rotation");
    stand = await prepareCertificateStand(admin, namespace, 2);
    leader = await startCertificateReplica(stand, 0, SHORT_LIVED);
    await leader.process.waitForLog("Became the leader; starting controllers", {}, STARTUP_TIMEOUT_MS);
    standby = await startCertificateReplica(stand, 1, SHORT_LIVED);
    await standby.process.waitForLog("Synced every informer cache", {}, STARTUP_TIMEOUT_MS);
    await waitFor("the API server to reach the webhooks through both replicas", async () =>
      refusedByWebhook(await askWebhook(admin, namespace)) &&
      refusedByWebhook(await askWebhook(admin, namespace))
        ? true
        : undefined,
    );
  });

  after(async () => {
    await standby?.process.stop();
    await leader?.process.stop();
    await stand?.remove();
    if (admin !== undefined) {
      await admin.delete(builtin.namespace, namespace).catch(() => undefined);
      admin.close();
    }
  });

  it("renews, publishes a next CA, switches and retires the old one, with every webhook call answered meanwhile", async () => {
    const seen: Observed[] = [];
    const answers: { epoch: number; answer: string }[] = [];
    let done = false;
    const oldCaKeptWhileAlive: boolean[] = [];
    const observe = async (): Promise<void> => {
      const set = readCertificateSet(await certificateSecret(admin, stand));
      if (set.serving === undefined || set.signing === undefined) return;
      const now = {
        serving: set.serving.cert.fingerprint256,
        signingCa: set.signing.cert.fingerprint256,
        caNotAfter: set.signing.cert.validToDate.getTime(),
      };
      const previous = seen.at(-1);
      if (previous?.serving === now.serving) return;
      seen.push(now);
      if (
        previous !== undefined &&
        previous.signingCa !== now.signingCa &&
        previous.caNotAfter > Date.now()
      ) {
        // A switch: the CA that signed until now must stay trusted for as long as it lives.
        oldCaKeptWhileAlive.push(set.retiring.some((ca) => ca.cert.fingerprint256 === previous.signingCa));
      }
    };
    // The API server is asked without a pause, each answer recorded with the serving certificate of its time.
    const traffic = (async () => {
      while (!done) {
        const epoch = seen.length;
        answers.push({ epoch, answer: await askWebhook(admin, namespace) });
      }
    })();
    const standbyServed = new Set<string>();
    try {
      await waitFor(
        "a CA switch and two more serving certificates, each served by the standby",
        async () => {
          await observe();
          const current = seen.at(-1);
          if (current !== undefined && (await servedFingerprint(standby)) === current.serving) {
            standbyServed.add(current.serving);
          }
          const cas = new Set(seen.map((s) => s.signingCa));
          const afterSwitch = seen.filter((s) => s.signingCa !== seen[0]?.signingCa);
          return cas.size >= 2 && afterSwitch.length >= 2 && seen.every((s) => standbyServed.has(s.serving))
            ? true
            : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 200 },
      );
    } finally {
      done = true;
      await traffic;
    }

    assert.ok(!oldCaKeptWhileAlive.includes(false), "a switched-from CA stays in the bundle while it lives");
    const failures = answers.filter((a) => !refusedByWebhook(a.answer));
    assert.deepEqual(failures, [], "every call reached a webhook over verified TLS, across every rotation");
    for (let epoch = 1; epoch < seen.length; epoch++) {
      assert.ok(
        answers.some((a) => a.epoch === epoch),
        `calls were made while serving certificate ${epoch + 1} was the current one`,
      );
    }
    const changes = leader.process.logs().filter((l) => l.msg === "Rotated the webhook certificates");
    for (const reason of [
      "RenewedServingCertificate",
      "PublishedNextCertificateAuthority",
      "SwitchedCertificateAuthority",
    ]) {
      assert.ok(
        changes.some((l) => l.reason === reason),
        `the leader logged ${reason}`,
      );
    }
    assert.equal(
      leader.process
        .logs()
        .filter((l) => l.msg === "Repaired or rotated the webhook certificates out of turn").length,
      0,
      "no switch without overlap, no repair",
    );
    assert.ok(
      !standby.process.logs().some((l) => l.msg === "Rotated the webhook certificates"),
      "only the leader writes",
    );
  });

  it("keeps the admission guard of both replicas finding the controls intact across the rotations", () => {
    for (const replica of [leader, standby]) {
      const lines = replica.process.logs();
      const intactAt = lines.findIndex((l) => l.msg === "Found the admission controls intact");
      assert.ok(intactAt >= 0, `${replica.identity} found the controls intact`);
      const later = lines
        .slice(intactAt)
        .filter((l) => l.msg === "Found the admission controls missing or altered");
      assert.deepEqual(later, [], `${replica.identity} never found them altered after that`);
    }
  });

  it("leaves the caBundles holding exactly the Secret's bundle", async () => {
    const data = await certificateSecret(admin, stand);
    const set = readCertificateSet(data);
    assert.deepEqual(set.problems, []);
    assert.equal(fingerprintOf(data["tls.crt"] ?? ""), set.serving?.cert.fingerprint256);
    const bundle = Buffer.from(data["ca.crt"] ?? "").toString("base64");
    await waitFor("the caBundles to match the Secret", async () => {
      const config = await admin.get(
        webhookConfigurationType("ValidatingWebhookConfiguration"),
        stand.validating,
      );
      const entries = config.webhooks as { clientConfig: { caBundle?: string } }[];
      return entries.every((e) => e.clientConfig.caBundle === bundle) ? true : undefined;
    });
  });
});
