import { X509Certificate } from "node:crypto";
import { issueCertificate } from "../../runtime/x509/issue.js";
import { certificateSecretData, type KeyedCertificate } from "./certificate-set.js";
import {
  BACKDATE_MS,
  type CertificatePlan,
  type CertificatePolicy,
  type PlannedCertificate,
} from "./decide.js";

/** The common name of the serving certificate (clients check its subjectAltName, never this). */
export const SERVING_COMMON_NAME = "stagegate-webhook";

/** A CA's common name, unique per CA (as Kubernetes names its self-signed CAs `host@unix-seconds`). */
function caCommonName(notBefore: Date): string {
  return `stagegate-webhook-ca@${Math.floor((notBefore.getTime() + BACKDATE_MS) / 1000)}`;
}

function realise(
  planned: PlannedCertificate,
  issue: (notBefore: Date, notAfter: Date) => { certPem: string; keyPem: string },
): KeyedCertificate {
  if ("keep" in planned) return planned.keep;
  const pair = issue(planned.issue.notBefore, planned.issue.notAfter);
  return { ...pair, cert: new X509Certificate(pair.certPem) };
}

/**
 * Carries a plan out: issues what it says to issue (CAs first, so the serving certificate is signed by the
 * signing CA as planned) and returns the Secret's new data, PEM strings by key.
 */
export function materializeCertificates(
  plan: CertificatePlan,
  policy: CertificatePolicy,
): Record<string, string> {
  const newCa = (notBefore: Date, notAfter: Date) =>
    issueCertificate({ commonName: caCommonName(notBefore), notBefore, notAfter, isCA: true });
  const signing = realise(plan.signing, newCa);
  const next = plan.next === undefined ? undefined : realise(plan.next, newCa);
  const serving = realise(plan.serving, (notBefore, notAfter) =>
    issueCertificate({
      commonName: SERVING_COMMON_NAME,
      notBefore,
      notAfter,
      isCA: false,
      hosts: policy.hosts,
      issuer: signing,
    }),
  );
  return certificateSecretData({ signing, next, retiring: plan.retiring, serving });
}
