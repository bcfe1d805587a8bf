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

/** The CAs after this pass: which signs, which is published next, which are retiring, and what changed. */
interface AuthorityPlan {
  signing: PlannedCertificate;
  next: PlannedCertificate | undefined;
  retiring: RetiringCa[];
  changes: CertificateChange[];
  /** A new root was made: the serving certificate comes with it, and no renewal is reported besides. */
  freshStart: boolean;
}

function dropExpired(
  set: CertificateSet,
  now: number,
): { retiring: RetiringCa[]; changes: CertificateChange[] } {
  return {
    retiring: set.retiring.filter((ca) => notAfter(ca.cert) > now),
    changes: set.retiring
      .filter((ca) => notAfter(ca.cert) <= now)
      .map((gone) => ({
        reason: "RetiredCertificateAuthority" as const,
        message: `Dropped CA ${gone.cert.subject.replace(/^CN=/, "")} from the bundle: it expired at ${gone.cert.validToDate.toISOString()}.`,
        warning: false,
      })),
  };
}

/** No signing CA that still lives: a new root (a first issue or a repair), or the next CA if one is ready. */
function replaceSigningCa(set: CertificateSet, now: number, newCa: () => PlannedCertificate): AuthorityPlan {
  const { retiring, changes } = dropExpired(set, now);
  // Only an expired CA (not an unreadable one) hands over to a published next CA.
  const next =
    set.signing !== undefined && set.next !== undefined && notAfter(set.next.cert) > now
      ? set.next
      : undefined;
  if (next !== undefined) {
    changes.push({
      reason: "SwitchedCertificateAuthority",
      message: "Switched to the next CA because the signing CA expired: webhook calls failed meanwhile.",
      warning: true,
    });
    return { signing: { keep: next }, next: undefined, retiring, changes, freshStart: false };
  }
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
  // Nothing of a Secret that could not be read is trusted further: a new root, alone in the bundle.
  return { signing: newCa(), next: undefined, retiring: [], changes, freshStart: true };
}

/** A living signing CA: publish a next CA within caRenewBefore of its end, switch to it half of that later. */
function rotateSigningCa(
  current: KeyedCertificate,
  inputs: CertificateInputs,
  newCa: () => PlannedCertificate,
): AuthorityPlan {
  const { set, policy } = inputs;
  const now = ms(inputs.now);
  let { retiring, changes } = dropExpired(set, now);
  if (set.problems.length > 0) {
    changes.push({
      reason: "RepairedCertificates",
      message: `Kept the signing CA and replaced what the Secret held that cannot be used: ${set.problems.join("; ")}.`,
      warning: true,
    });
  }
  let next: PlannedCertificate | undefined =
    set.next === undefined || notAfter(set.next.cert) <= now ? undefined : { keep: set.next };
  if (next === undefined && notAfter(current.cert) - now <= policy.caRenewBeforeMs) {
    next = newCa();
    changes.push({
      reason: "PublishedNextCertificateAuthority",
      message: `Published a next CA in the bundle: the signing CA expires at ${current.cert.validToDate.toISOString()}.`,
      warning: false,
    });
  }
  if (next === undefined) return { signing: { keep: current }, next, retiring, changes, freshStart: false };
  const publishedAt = ms(dateOf(next).notBefore) + BACKDATE_MS;
  const overlapDone = now >= publishedAt + policy.caRenewBeforeMs / 2 && inputs.nextCaInjected;
  if (!overlapDone && usableCa(current, now, policy)) {
    return { signing: { keep: current }, next, retiring, changes, freshStart: false };
  }
  retiring = [{ cert: current.cert, certPem: current.certPem }, ...retiring];
  changes = [
    ...changes,
    {
      reason: "SwitchedCertificateAuthority",
      message: overlapDone
        ? "Switched to the next CA, which every caBundle already trusts; the previous CA stays in the bundle until it expires."
        : "Switched to the next CA before every caBundle was seen to trust it, because the signing CA ends within " +
          "--cert-renew-before: webhook calls may fail until the caBundles are updated.",
      warning: !overlapDone,
    },
  ];
  return { signing: next, next: undefined, retiring, changes, freshStart: false };
}

/** When something next falls due: a serving renewal, a publication or switch, a retiring CA's end. */
function nextDue(plan: Omit<CertificatePlan, "changes" | "recheckAt">, policy: CertificatePolicy): number {
  const signingEnd = ms(dateOf(plan.signing).notAfter);
  return Math.min(
    ms(dateOf(plan.serving).notAfter) - policy.certRenewBeforeMs,
    plan.next === undefined
      ? signingEnd - policy.caRenewBeforeMs
      : Math.min(
          ms(dateOf(plan.next).notBefore) + BACKDATE_MS + policy.caRenewBeforeMs / 2,
          signingEnd - policy.certRenewBeforeMs,
        ),
    ...plan.retiring.map((ca) => notAfter(ca.cert)),
  );
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
  const { set, policy } = inputs;
  const now = ms(inputs.now);
  const newCa = (): PlannedCertificate => ({
    issue: { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + policy.caValidityMs) },
  });
  const current = set.signing !== undefined && notAfter(set.signing.cert) > now ? set.signing : undefined;
  const cas =
    current === undefined ? replaceSigningCa(set, now, newCa) : rotateSigningCa(current, inputs, newCa);

  const servingReason = servingDue(set, cas.signing, now, policy);
  const serving: PlannedCertificate =
    servingReason === undefined && set.serving !== undefined
      ? { keep: set.serving }
      : {
          issue: {
            notBefore: new Date(now - BACKDATE_MS),
            notAfter: new Date(Math.min(now + policy.certValidityMs, ms(dateOf(cas.signing).notAfter))),
          },
        };
  const changes = [...cas.changes];
  if (servingReason !== undefined && !cas.freshStart) {
    changes.push({
      reason: "RenewedServingCertificate",
      message: `Issued a new serving certificate: ${servingReason}.`,
      warning: false,
    });
  }
  const planned = {
    signing: cas.signing,
    ...(cas.next === undefined ? {} : { next: cas.next }),
    retiring: cas.retiring,
    serving,
  };
  return { ...planned, changes, recheckAt: new Date(Math.max(now, nextDue(planned, policy))) };
}
