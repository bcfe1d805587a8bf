import { X509Certificate } from "node:crypto";
import { WebhookConfiguration, type WebhookTarget } from "../admission-guard/admission-controls.js";

/** One operation of a JSON patch (RFC 6902), of the two kinds the injection uses. */
export interface JsonPatchOperation {
  op: "replace" | "add";
  path: string;
  value: unknown;
}

/** What injecting the CA bundle into one webhook configuration takes. */
export interface CaInjection {
  /** The JSON patch, or undefined when every entry already carries the bundle. */
  patch: JsonPatchOperation[] | undefined;
  /** Entries left alone because they call something other than this operator (named for the log). */
  foreign: string[];
}

type Entry = NonNullable<WebhookConfiguration["webhooks"]>[number];

/** Whether an entry sends the API server to this operator: its Service, or a path under its URL. */
export function callsOperator(entry: Entry, target: WebhookTarget): boolean {
  const { url, service } = entry.clientConfig;
  if ("url" in target) return url !== undefined && url.startsWith(`${target.url}/`);
  return (
    url === undefined &&
    service?.namespace === target.service.namespace &&
    service.name === target.service.name
  );
}

/**
 * The JSON patch that sets `caBundle` (base64 of the PEM bundle) on every entry of a webhook configuration that
 * calls this operator. An entry that calls anything else never gets the operator's CA: trusting it there would let
 * whoever holds the operator's serving key pass for another webhook. The patch is pinned to the configuration's
 * resourceVersion, so a configuration edited meanwhile is refused (409), not patched at the wrong entries.
 */
export function caInjection(configuration: unknown, caBundle: string, target: WebhookTarget): CaInjection {
  const parsed = WebhookConfiguration.safeParse(configuration);
  if (!parsed.success) return { patch: undefined, foreign: [] };
  const resourceVersion = (configuration as { metadata?: { resourceVersion?: string } }).metadata
    ?.resourceVersion;
  const entries = parsed.data.webhooks ?? [];
  const foreign = entries.filter((entry) => !callsOperator(entry, target)).map((entry) => entry.name);
  const operations = entries.flatMap((entry, index): JsonPatchOperation[] =>
    callsOperator(entry, target) && entry.clientConfig.caBundle !== caBundle
      ? [{ op: "add", path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle }]
      : [],
  );
  if (operations.length === 0) return { patch: undefined, foreign };
  return {
    // The resourceVersion is the precondition: the indices hold for that version only (409 for any other).
    patch: [{ op: "replace", path: "/metadata/resourceVersion", value: resourceVersion }, ...operations],
    foreign,
  };
}

/**
 * Whether every entry of the configurations that calls this operator trusts `ca` (its caBundle holds that
 * certificate); false when there is no such entry at all, since then nothing was seen to trust it.
 */
export function everyCaBundleHolds(
  configurations: readonly unknown[],
  ca: X509Certificate,
  target: WebhookTarget,
): boolean {
  const entries = configurations.flatMap((configuration) => {
    const parsed = WebhookConfiguration.safeParse(configuration);
    return parsed.success ? (parsed.data.webhooks ?? []).filter((entry) => callsOperator(entry, target)) : [];
  });
  return (
    entries.length > 0 &&
    entries.every((entry) =>
      bundleCertificates(entry.clientConfig.caBundle).some((c) => c.fingerprint256 === ca.fingerprint256),
    )
  );
}

/** The certificates of a caBundle (base64 of PEM); none for a bundle that does not parse. */
function bundleCertificates(caBundle: string | undefined): X509Certificate[] {
  const pem = Buffer.from(caBundle ?? "", "base64").toString("utf8");
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).flatMap(
    (block) => {
      try {
        return [new X509Certificate(block)];
      } catch {
        return [];
      }
    },
  );
}
