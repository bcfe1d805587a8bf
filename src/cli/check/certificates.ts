import { X509Certificate } from "node:crypto";
import { WebhookConfiguration } from "../../controllers/admission-guard/admission-controls.js";
import type { Check } from "./check-context.js";
import { failed, passed, warned } from "./check-result.js";

/** One certificate to judge and where it was found. */
export interface FoundCertificate {
  where: string;
  cert: X509Certificate;
}

/** The PEM certificates in a text, in order; unparsable blocks are skipped. */
export function parsePemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

/** "3d 4h" for a span of time; hours, minutes or seconds when shorter. */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${Math.floor(abs / 1000)}s`;
  const hours = Math.floor(abs / 3_600_000);
  if (hours === 0) return `${Math.floor(abs / 60_000)}m`;
  const days = Math.floor(hours / 24);
  return days === 0 ? `${hours}h` : `${days}d ${hours % 24}h`;
}

const subjectOf = (cert: X509Certificate): string => cert.subject.replace(/\n/g, ", ");
const instant = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Judges each certificate against the clock: not yet valid, expired, or expiring within `minValidityMs` is a
 * problem; otherwise evidence with its expiry. Pure.
 */
export function judgeCertificates(
  found: readonly FoundCertificate[],
  now: Date,
  minValidityMs: number,
): { problems: string[]; evidence: string[] } {
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const { where, cert } of found) {
    const notAfter = new Date(cert.validTo);
    const notBefore = new Date(cert.validFrom);
    const left = notAfter.getTime() - now.getTime();
    const what = `${where.charAt(0).toUpperCase()}${where.slice(1)} (${subjectOf(cert)})`;
    if (notBefore.getTime() > now.getTime()) {
      problems.push(`${what} is not valid until ${instant(notBefore)}.`);
    } else if (left <= 0) {
      problems.push(`${what} expired at ${instant(notAfter)} (${formatSpan(left)} ago).`);
    } else if (left < minValidityMs) {
      problems.push(
        `${what} expires at ${instant(notAfter)}, in ${formatSpan(left)}: less than --min-cert-validity ` +
          `(${formatSpan(minValidityMs)}).`,
      );
    } else {
      evidence.push(`${what} is valid until ${instant(notAfter)} (${formatSpan(left)}).`);
    }
  }
  return { problems, evidence };
}

/** The CA certificates of every caBundle of a webhook configuration, one per distinct certificate. */
function caBundleCertificates(kind: string, name: string, raw: unknown): FoundCertificate[] {
  const parsed = WebhookConfiguration.safeParse(raw);
  if (raw === undefined || !parsed.success) return [];
  const seen = new Set<string>();
  return (parsed.data.webhooks ?? []).flatMap((entry) =>
    parsePemCertificates(Buffer.from(entry.clientConfig.caBundle ?? "", "base64").toString("utf8")).flatMap(
      (cert) => {
        if (seen.has(cert.fingerprint256)) return [];
        seen.add(cert.fingerprint256);
        return [{ where: `the caBundle of ${kind} ${name}`, cert }];
      },
    ),
  );
}

/**
 * The webhook CA bundles and the serving certificate (from the TLS handshake or its Secret) stay valid for at least
 * `--min-cert-validity`. A serving certificate that could not be observed is a warning, never a pass by silence.
 */
export const certificatesCheck: Check = {
  name: "certificates",
  title: "The webhook certificates are valid for long enough",
  async run(ctx) {
    const { options } = ctx;
    const [observed, serving] = await Promise.all([ctx.admissionControls(), ctx.servingCertificate()]);
    const found: FoundCertificate[] = [
      ...caBundleCertificates(
        "MutatingWebhookConfiguration",
        options.mutatingWebhookConfiguration,
        observed.mutating,
      ),
      ...caBundleCertificates(
        "ValidatingWebhookConfiguration",
        options.validatingWebhookConfiguration,
        observed.validating,
      ),
    ];
    const handshakeChain = serving.handshake?.probe.chainPem;
    const leaf = (pem: string): X509Certificate | undefined => parsePemCertificates(pem)[0];
    const served = handshakeChain === undefined ? undefined : leaf(handshakeChain);
    if (served !== undefined && serving.handshake !== undefined) {
      found.push({ where: `the serving certificate of ${serving.handshake.url}`, cert: served });
    }
    const fromSecret = serving.secret === undefined ? undefined : leaf(serving.secret.pem);
    if (fromSecret !== undefined && serving.secret !== undefined) {
      found.push({ where: `the serving certificate in Secret ${serving.secret.name}`, cert: fromSecret });
    }
    const { problems, evidence } = judgeCertificates(found, ctx.now, options.minCertValidityMs);
    const rotate =
      "Renew the certificate before it expires (cert-manager renews it on its own; otherwise issue a new " +
      "serving certificate, update its Secret and the caBundle of both webhook configurations).";
    if (problems.length > 0) {
      return failed(
        "A webhook certificate has expired or expires too soon; once it does, the API server refuses every " +
          "write the webhooks judge.",
        rotate,
        [...problems, ...evidence],
      );
    }
    if (found.length === 0) {
      return failed(
        "No certificate was found: the webhook configurations carry no caBundle.",
        "Set the caBundle of both webhook configurations to the CA that signed the serving certificate.",
        serving.notes,
      );
    }
    if (served === undefined && fromSecret === undefined) {
      return warned(
        "The CA bundles are valid for long enough, but the serving certificate itself could not be observed " +
          "from here.",
        "Pass --webhook-cert-secret NAME with the Secret that holds the serving certificate.",
        [...evidence, ...serving.notes],
      );
    }
    return passed(
      `Every webhook certificate is valid for at least ${Math.round(options.minCertValidityMs / 3_600_000)}h.`,
      evidence,
    );
  },
};
