// The leader's decision about its webhook certificates, as a table: each row a Secret at a moment, and what the
// decision keeps, issues, publishes, switches or drops, with the reason it gives. Certificates are real (issued
// with fixed dates); the clock is the row's.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  certificateSecretData,
  readCertificateSet,
  type KeyedCertificate,
} from "../../../src/controllers/webhook-certificate/certificate-set.js";
import {
  decideCertificates,
  type CertificatePlan,
  type CertificatePolicy,
} from "../../../src/controllers/webhook-certificate/decide.js";
import { materializeCertificates } from "../../../src/controllers/webhook-certificate/materialize.js";
import { issueCertificate } from "../../../src/runtime/x509/issue.js";
import { X509Certificate } from "node:crypto";

const T0 = new Date("2030-01-01T00:00:00Z").getTime();
const at = (hours: number) => new Date(T0 + hours * 3_600_000);
const HOSTS = ["stagegate-webhook.stagegate-system.svc", "127.0.0.1"];
const POLICY: CertificatePolicy = {
  hosts: HOSTS,
  caValidityMs: 100 * 3_600_000,
  caRenewBeforeMs: 40 * 3_600_000,
  certValidityMs: 10 * 3_600_000,
  certRenewBeforeMs: 4 * 3_600_000,
};

function keyed(pair: { certPem: string; keyPem: string }): KeyedCertificate {
  return { ...pair, cert: new X509Certificate(pair.certPem) };
}
/** A CA made at `from` hours, valid until `to`. */
const ca = (from: number, to: number) =>
  keyed(issueCertificate({ commonName: `ca-${from}`, notBefore: at(from), notAfter: at(to), isCA: true }));
const leaf = (issuer: KeyedCertificate, from: number, to: number, hosts: readonly string[] = HOSTS) =>
  keyed(
    issueCertificate({
      commonName: "leaf",
      notBefore: at(from),
      notAfter: at(to),
      isCA: false,
      hosts,
      issuer,
    }),
  );

const signing = ca(0, 100);
const successor = ca(60, 160);
const steady = certificateSecretData({ signing, retiring: [], serving: leaf(signing, 0, 10) });

interface Row {
  situation: string;
  data: Record<string, string>;
  now: number;
  injected?: boolean;
  /** The reasons of the changes, in order. */
  changes: string[];
  warning?: boolean;
  expect?: (plan: CertificatePlan) => void;
}

const kept = (planned: CertificatePlan["signing"] | undefined, cert: KeyedCertificate) =>
  assert.ok(planned !== undefined && "keep" in planned && planned.keep.certPem === cert.certPem);
const issued = (planned: CertificatePlan["signing"] | undefined) =>
  assert.ok(planned !== undefined && "issue" in planned);

const rows: Row[] = [
  {
    situation: "an empty Secret (as the chart creates it)",
    data: {},
    now: 0,
    changes: ["IssuedCertificateAuthority"],
    expect: (plan) => {
      issued(plan.signing);
      issued(plan.serving);
      assert.equal(plan.next, undefined);
    },
  },
  {
    situation: "garbage in every key",
    data: { "ca.crt": "garbage", "ca.key": "garbage", "tls.crt": "garbage", "tls.key": "garbage" },
    now: 0,
    changes: ["RepairedCertificates"],
    warning: true,
    expect: (plan) => {
      issued(plan.signing);
      assert.deepEqual(plan.retiring, []);
    },
  },
  {
    situation: "a certificate from elsewhere without a CA key (switching from the Helm-generated one)",
    data: { "ca.crt": signing.certPem, "tls.crt": leaf(signing, 0, 10).certPem, "tls.key": "k" },
    now: 1,
    changes: ["RepairedCertificates"],
    warning: true,
  },
  {
    situation: "a fresh CA and serving certificate",
    data: steady,
    now: 1,
    changes: [],
    expect: (plan) => {
      kept(plan.signing, signing);
      assert.equal(plan.recheckAt.toISOString(), at(6).toISOString(), "when the serving certificate is due");
    },
  },
  {
    situation: "a serving certificate within --cert-renew-before of its end",
    data: steady,
    now: 6,
    changes: ["RenewedServingCertificate"],
    expect: (plan) => {
      kept(plan.signing, signing);
      assert.ok("issue" in plan.serving && plan.serving.issue.notAfter.getTime() === at(16).getTime());
    },
  },
  {
    situation: "a serving certificate for other hosts",
    data: certificateSecretData({ signing, retiring: [], serving: leaf(signing, 0, 10, ["x.svc"]) }),
    now: 1,
    changes: ["RenewedServingCertificate"],
  },
  {
    situation: "a serving key that belongs to another certificate",
    data: { ...steady, "tls.key": leaf(signing, 0, 10).keyPem },
    now: 1,
    changes: ["RepairedCertificates", "RenewedServingCertificate"],
    warning: true,
    expect: (plan) => kept(plan.signing, signing),
  },
  {
    situation: "a signing CA within --cert-ca-renew-before of its end",
    data: certificateSecretData({ signing, retiring: [], serving: leaf(signing, 58, 68) }),
    now: 60,
    changes: ["PublishedNextCertificateAuthority"],
    expect: (plan) => {
      kept(plan.signing, signing);
      issued(plan.next);
      assert.ok("keep" in plan.serving, "the serving certificate stays signed by the old CA");
      assert.equal(plan.recheckAt.toISOString(), at(64).toISOString(), "serving due before the switch");
    },
  },
  {
    situation: "a published next CA before half the overlap",
    data: certificateSecretData({ signing, next: successor, retiring: [], serving: leaf(signing, 70, 80) }),
    now: 71,
    injected: true,
    changes: [],
    expect: (plan) => {
      kept(plan.next, successor);
      assert.equal(plan.recheckAt.toISOString(), at(76).toISOString());
    },
  },
  {
    situation: "a published next CA after half the overlap, in every caBundle",
    data: certificateSecretData({ signing, next: successor, retiring: [], serving: leaf(signing, 70, 80) }),
    now: 81,
    injected: true,
    changes: ["SwitchedCertificateAuthority", "RenewedServingCertificate"],
    expect: (plan) => {
      kept(plan.signing, successor);
      assert.equal(plan.next, undefined);
      assert.deepEqual(
        plan.retiring.map((r) => r.certPem),
        [signing.certPem],
        "the old CA stays trusted until it expires",
      );
      assert.equal(
        plan.recheckAt.toISOString(),
        at(87).toISOString(),
        "the new serving certificate's renewal",
      );
    },
  },
  {
    situation: "a published next CA after half the overlap that no caBundle holds yet",
    data: certificateSecretData({ signing, next: successor, retiring: [], serving: leaf(signing, 78, 88) }),
    now: 81,
    injected: false,
    changes: [],
    expect: (plan) => kept(plan.signing, signing),
  },
  {
    situation: "a signing CA about to end whose successor never reached the caBundles",
    data: certificateSecretData({ signing, next: successor, retiring: [], serving: leaf(signing, 90, 100) }),
    now: 97,
    injected: false,
    changes: ["SwitchedCertificateAuthority", "RenewedServingCertificate"],
    warning: true,
  },
  {
    situation: "a signing CA that expired while the operator was away, with a next CA published",
    data: certificateSecretData({ signing, next: successor, retiring: [], serving: leaf(signing, 90, 100) }),
    now: 101,
    changes: ["SwitchedCertificateAuthority", "RenewedServingCertificate"],
    warning: true,
    expect: (plan) => kept(plan.signing, successor),
  },
  {
    situation: "a retired CA past its end",
    data: certificateSecretData({
      signing: successor,
      retiring: [signing],
      serving: leaf(successor, 100, 110),
    }),
    now: 101,
    changes: ["RetiredCertificateAuthority"],
    expect: (plan) => assert.deepEqual(plan.retiring, []),
  },
];

describe("deciding the webhook certificates", () => {
  for (const row of rows) {
    it(`${row.situation}: ${row.changes.join(", ") || "nothing to do"}`, () => {
      const plan = decideCertificates({
        set: readCertificateSet(row.data),
        now: at(row.now),
        policy: POLICY,
        nextCaInjected: row.injected ?? false,
      });
      assert.deepEqual(
        plan.changes.map((c) => c.reason),
        row.changes,
        plan.changes.map((c) => c.message).join(" | "),
      );
      assert.equal(
        plan.changes.some((c) => c.warning),
        row.warning ?? false,
      );
      for (const change of plan.changes) assert.match(change.message, /^[A-Z].*\.$/, "a sentence");
      row.expect?.(plan);
    });
  }

  it("names what could not be used when it repairs", () => {
    const plan = decideCertificates({
      set: readCertificateSet({ ...steady, "ca.key": leaf(signing, 0, 10).keyPem }),
      now: at(1),
      policy: POLICY,
      nextCaInjected: false,
    });
    assert.match(plan.changes[0]?.message ?? "", /ca\.key is not the key of any certificate in ca\.crt/);
  });

  it("carries a plan out into a Secret the next decision leaves alone", () => {
    const now = new Date();
    const policy = { ...POLICY, hosts: ["stagegate-webhook.stagegate-system.svc"] };
    const first = decideCertificates({ set: readCertificateSet({}), now, policy, nextCaInjected: false });
    const data = materializeCertificates(first, policy);
    const set = readCertificateSet(data);
    assert.deepEqual(set.problems, []);
    assert.ok(set.signing && set.serving);
    assert.ok(set.serving.cert.verify(set.signing.cert.publicKey));
    const again = decideCertificates({ set, now, policy, nextCaInjected: false });
    assert.deepEqual(again.changes, []);
    assert.deepEqual(materializeCertificates(again, policy), data, "a settled Secret is not rewritten");
  });
});
