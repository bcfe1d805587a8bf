import type { X509Certificate } from "node:crypto";
import {
  certificateHosts,
  hostKey,
  type CertificateSet,
  type KeyedCertificate,
  type RetiringCa,
} from "./certificate-set.js";

/** How long certificates live and when they are renewed (flags `--cert-*`), and the hosts served. */
export interface CertificatePolicy {
  /** DNS names and IP addresses the serving certificate is valid for. */
  hosts: readonly string[];
  caValidityMs: number;
  /** The next CA is made and published this long before the signing CA expires; it signs from half that on. */
  caRenewBeforeMs: number;
  certValidityMs: number;
  certRenewBeforeMs: number;
}

/**
 * How far back a new certificate's notBefore is set, so a server whose clock runs a little behind still accepts
 * it (kubeadm backdates by the same five minutes).
 */
export const BACKDATE_MS = 5 * 60_000;

/** The dates of a certificate to issue. */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** One certificate of the plan: kept as it is, or issued anew with these dates. */
export type PlannedCertificate = { keep: KeyedCertificate } | { issue: Validity };

/** One thing the pass changes, for the log and an Event: a CamelCase reason and a sentence. */
export interface CertificateChange {
  reason:
    | "IssuedCertificateAuthority"
    | "RepairedCertificates"
    | "PublishedNextCertificateAuthority"
    | "SwitchedCertificateAuthority"
    | "RetiredCertificateAuthority"
    | "RenewedServingCertificate";
  message: string;
  /** Warning for what should not happen while the operator runs (a repair, a switch without overlap). */
  warning: boolean;
}

/** What the leader makes of the Secret: each certificate kept or issued, what changed, and when to look again. */
export interface CertificatePlan {
  signing: PlannedCertificate;
  next?: PlannedCertificate;
  retiring: RetiringCa[];
  serving: PlannedCertificate;
  changes: CertificateChange[];
  /** When a certificate next falls due (a renewal, a publication, a switch, an expiry to drop). */
  recheckAt: Date;
}

/** What the decision reads besides the Secret. */
export interface CertificateInputs {
  set: CertificateSet;
  now: Date;
  policy: CertificatePolicy;
  /** Whether every webhook entry the operator owns already trusts the next CA (its caBundle holds it). */
  nextCaInjected: boolean;
}

const ms = (date: Date): number => date.getTime();
const notAfter = (cert: X509Certificate): number => ms(cert.validToDate);
const dateOf = (planned: PlannedCertificate): Validity =>
  "issue" in planned
    ? planned.issue
    : { notBefore: planned.keep.cert.validFromDate, notAfter: planned.keep.cert.validToDate };

/** A CA that may still sign: present and not within the serving certificates' renewal window of its end. */
function usableCa(ca: KeyedCertificate | undefined, now: number, policy: CertificatePolicy): boolean {
  return ca !== undefined && notAfter(ca.cert) - now > policy.certRenewBeforeMs;
}

function sameHosts(cert: X509Certificate, hosts: readonly string[]): boolean {
  const have = certificateHosts(cert);
  const want = new Set(hosts.map(hostKey));
  return have.size === want.size && [...want].every((host) => have.has(host));
}

/** Why the serving certificate must be issued anew, or undefined to keep it. */
function servingDue(
  set: CertificateSet,
  signing: PlannedCertificate,
  now: number,
  policy: CertificatePolicy,
): string | undefined {
  const serving = set.serving;
  if (serving === undefined) return "there is no usable serving certificate";
  if ("issue" in signing) return "a new CA signs from now on";
  const issuer = signing.keep.cert;
  if (!serving.cert.checkIssued(issuer) || !serving.cert.verify(issuer.publicKey)) {
    return "the serving certificate is not signed by the signing CA";
  }
  if (!sameHosts(serving.cert, policy.hosts)) return `its hosts are not ${policy.hosts.join(", ")}`;
  if (notAfter(serving.cert) - now <= policy.certRenewBeforeMs) {
    return `it expires at ${serving.cert.validToDate.toISOString()}, within --cert-renew-before`;
  }
  return undefined;
}

/**
 * Decides the next state of the webhook certificates, as a pure function of what the Secret holds, the time and
 * the policy. The rotation never leaves the API server without a CA for what is served:
 *
 * - a missing or unusable signing CA is replaced (with a new serving certificate: a first issue, or a repair);
 * - within `caRenewBefore` of the signing CA's end, a next CA is made and only published in the bundle;
 * - half of `caRenewBefore` after its publication, and once it is in every owned caBundle, the next CA signs;
 *   the previous one stays in the bundle until it expires (then it is dropped);
 * - the serving certificate is renewed within `certRenewBefore` of its end, or when its CA or hosts changed.
 *
 * If the signing CA is about to end and the next one never reached the caBundles (the operator did not run), the
 * switch happens anyway, as a warning: the alternative is an expired CA.
 */
export function decideCertificates(inputs: CertificateInputs): CertificatePlan {
  const { set, policy, nextCaInjected } = inputs;
  const now = ms(inputs.now);
  const changes: CertificateChange[] = [];
  const newCa = (): { issue: Validity } => ({
    issue: { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + policy.caValidityMs) },
  });
  let retiring = set.retiring.filter((ca) => notAfter(ca.cert) > now);
  for (const gone of set.retiring.filter((ca) => notAfter(ca.cert) <= now)) {
    changes.push({
      reason: "RetiredCertificateAuthority",
      message: `Dropped CA ${gone.cert.subject.replace(/^CN=/, "")} from the bundle: it expired at ${gone.cert.validToDate.toISOString()}.`,
      warning: false,
    });
  }

  let signing: PlannedCertificate;
  let next: PlannedCertificate | undefined;
  // A new root with a new serving certificate: the first issue, or a repair (the change says which).
  const current = set.signing !== undefined && notAfter(set.signing.cert) > now ? set.signing : undefined;
  const freshStart = current === undefined;
  if (current === undefined) {
    signing = newCa();
    retiring = [];
    changes.push(
      set.empty
        ? {
            reason: "IssuedCertificateAuthority",
            message: "Issued a CA and a serving certificate into the empty Secret.",
            warning: false,
          }
        : {
            reason: "RepairedCertificates",
            message:
              "Replaced the Secret's certificates with a new CA and serving certificate, because " +
              (set.problems.length > 0
                ? `${set.problems.join("; ")}.`
                : set.signing === undefined
                  ? "it holds no CA key."
                  : "its CA expired."),
            warning: true,
          },
    );
  } else {
    signing = { keep: current };
    if (set.problems.length > 0) {
      changes.push({
        reason: "RepairedCertificates",
        message: `Kept the signing CA and replaced what the Secret held that cannot be used: ${set.problems.join("; ")}.`,
        warning: true,
      });
    }
    next = set.next === undefined || notAfter(set.next.cert) <= now ? undefined : { keep: set.next };
    const remaining = notAfter(current.cert) - now;
    if (next === undefined && remaining <= policy.caRenewBeforeMs) {
      next = newCa();
      changes.push({
        reason: "PublishedNextCertificateAuthority",
        message: `Published a next CA in the bundle: the signing CA expires at ${current.cert.validToDate.toISOString()}.`,
        warning: false,
      });
    }
    if (next !== undefined) {
      const publishedAt = ms(dateOf(next).notBefore) + BACKDATE_MS;
      const overlapDone = now >= publishedAt + policy.caRenewBeforeMs / 2 && nextCaInjected;
      const mustSwitch = !usableCa(current, now, policy);
      if (overlapDone || mustSwitch) {
        retiring = [{ cert: current.cert, certPem: current.certPem }, ...retiring];
        changes.push({
          reason: "SwitchedCertificateAuthority",
          message: overlapDone
            ? "Switched to the next CA, which every caBundle already trusts; the previous CA stays in the bundle until it expires."
            : "Switched to the next CA before every caBundle was seen to trust it, because the signing CA ends within " +
              "--cert-renew-before: webhook calls may fail until the caBundles are updated.",
          warning: !overlapDone,
        });
        signing = next;
        next = undefined;
      }
    }
  }

  const servingReason = servingDue(set, signing, now, policy);
  const signingEnd = ms(dateOf(signing).notAfter);
  const serving: PlannedCertificate =
    servingReason === undefined && set.serving !== undefined
      ? { keep: set.serving }
      : {
          issue: {
            notBefore: new Date(now - BACKDATE_MS),
            notAfter: new Date(Math.min(now + policy.certValidityMs, signingEnd)),
          },
        };
  if (servingReason !== undefined && !freshStart) {
    changes.push({
      reason: "RenewedServingCertificate",
      message: `Issued a new serving certificate: ${servingReason}.`,
      warning: false,
    });
  }

  const due = [
    ms(dateOf(serving).notAfter) - policy.certRenewBeforeMs,
    next === undefined
      ? signingEnd - policy.caRenewBeforeMs
      : Math.min(
          ms(dateOf(next).notBefore) + BACKDATE_MS + policy.caRenewBeforeMs / 2,
          signingEnd - policy.certRenewBeforeMs,
        ),
    ...retiring.map((ca) => notAfter(ca.cert)),
  ];
  return {
    signing,
    ...(next === undefined ? {} : { next }),
    retiring,
    serving,
    changes,
    recheckAt: new Date(Math.max(now, Math.min(...due))),
  };
}
