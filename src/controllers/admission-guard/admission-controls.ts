import { X509Certificate } from "node:crypto";
import { z } from "zod";

/** Where the operator's admission webhooks must send the API server: a Service, or a URL (local runs). */
export type WebhookTarget = { service: { namespace: string; name: string } } | { url: string };

/** What the operator expects of the admission controls that protect its objects. */
export interface ExpectedAdmissionControls {
  mutatingConfiguration: string;
  validatingConfiguration: string;
  /** Every path the operator serves (`/mutate/...`, `/validate/...`): each must be called by a webhook entry. */
  paths: readonly string[];
  target: WebhookTarget;
  /** The only namespaceSelector an entry may carry (absent: none, every namespace is sent). */
  namespaceSelector?: Record<string, unknown> | undefined;
  /** The ValidatingAdmissionPolicy that keeps closed objects closed; its binding has the same name. */
  closedObjectsPolicy: string;
}

const WebhookEntry = z.looseObject({
  name: z.string(),
  failurePolicy: z.string().optional(),
  clientConfig: z.looseObject({
    url: z.string().optional(),
    caBundle: z.string().optional(),
    service: z
      .looseObject({ namespace: z.string(), name: z.string(), path: z.string().optional() })
      .optional(),
  }),
  namespaceSelector: z.record(z.string(), z.unknown()).optional(),
  objectSelector: z.record(z.string(), z.unknown()).optional(),
  matchConditions: z.array(z.unknown()).optional(),
});
type WebhookEntry = z.infer<typeof WebhookEntry>;

/** A webhook configuration as read from the API server (only what the check looks at). */
export const WebhookConfiguration = z.looseObject({ webhooks: z.array(WebhookEntry).optional() });
export type WebhookConfiguration = z.infer<typeof WebhookConfiguration>;

/** The closed-object policy and its binding, as read from the API server. */
export const AdmissionPolicy = z.looseObject({
  spec: z.looseObject({ failurePolicy: z.string().optional(), validations: z.array(z.unknown()).optional() }),
});
export const AdmissionPolicyBinding = z.looseObject({
  spec: z.looseObject({
    policyName: z.string().optional(),
    validationActions: z.array(z.string()).optional(),
  }),
});

/** What the guard read: each object, or undefined when it does not exist. */
export interface ObservedAdmissionControls {
  mutating: unknown;
  validating: unknown;
  policy: unknown;
  binding: unknown;
  /**
   * The operator's serving certificate (PEM chain), which each caBundle must verify. Undefined when the caller
   * cannot see it (the CLI outside the cluster): the caBundles are then not checked against it.
   */
  servingCertPem: string | undefined;
}

/** The verdict: intact, or every problem found, each a sentence naming the object and the fix. */
export interface AdmissionControlsVerdict {
  intact: boolean;
  problems: string[];
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );

/** The PEM certificates of a chain or bundle, in order. */
function certificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

/** Whether a caBundle (base64 of PEM) verifies the serving chain: some bundle CA issued and signed a chain link. */
export function bundleTrusts(caBundle: string | undefined, servingCertPem: string): boolean {
  if (caBundle === undefined || caBundle === "") return false;
  const cas = certificates(Buffer.from(caBundle, "base64").toString("utf8"));
  const chain = certificates(servingCertPem);
  return chain.some((link) =>
    cas.some(
      (ca) =>
        link.fingerprint256 === ca.fingerprint256 || (link.checkIssued(ca) && link.verify(ca.publicKey)),
    ),
  );
}

/** Where an entry sends the API server, compared with the expected target for `path`. */
function pointsAt(entry: WebhookEntry, target: WebhookTarget, path: string): boolean {
  const { clientConfig } = entry;
  if ("url" in target) return clientConfig.url === `${target.url}${path}`;
  const service = clientConfig.service;
  return (
    clientConfig.url === undefined &&
    service?.namespace === target.service.namespace &&
    service.name === target.service.name &&
    service.path === path
  );
}

function entryPath(entry: WebhookEntry): string | undefined {
  const { url, service } = entry.clientConfig;
  if (service?.path !== undefined) return service.path;
  if (url === undefined) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function checkConfiguration(
  kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
  name: string,
  raw: unknown,
  paths: readonly string[],
  expected: ExpectedAdmissionControls,
  servingCertPem: string | undefined,
): string[] {
  if (raw === undefined) return [`${kind} ${name} is missing: re-apply config/webhook.`];
  const parsed = WebhookConfiguration.safeParse(raw);
  if (!parsed.success) return [`${kind} ${name} cannot be read; re-apply config/webhook.`];
  const entries = parsed.data.webhooks ?? [];
  const problems: string[] = [];
  for (const path of paths) {
    const entry = entries.find((e) => entryPath(e) === path);
    const where = `${kind} ${name}`;
    if (entry === undefined) {
      problems.push(`${where} has no webhook calling ${path}: re-apply config/webhook.`);
      continue;
    }
    const what = `${where} webhook ${entry.name}`;
    if (!pointsAt(entry, expected.target, path)) {
      problems.push(`${what} does not point at this operator (${path}): re-apply config/webhook.`);
    }
    if ((entry.failurePolicy ?? "Fail") !== "Fail") {
      problems.push(`${what} has failurePolicy ${entry.failurePolicy}, not Fail: re-apply config/webhook.`);
    }
    if (servingCertPem !== undefined && !bundleTrusts(entry.clientConfig.caBundle, servingCertPem)) {
      problems.push(
        `${what} has a caBundle that does not verify the operator's serving certificate: inject its CA.`,
      );
    }
    if (canonical(entry.namespaceSelector ?? {}) !== canonical(expected.namespaceSelector ?? {})) {
      problems.push(
        `${what} has a namespaceSelector narrowing which namespaces it sees: re-apply config/webhook.`,
      );
    }
    if (Object.keys(entry.objectSelector ?? {}).length > 0 || (entry.matchConditions ?? []).length > 0) {
      problems.push(
        `${what} has an objectSelector or matchConditions narrowing what it sees: re-apply config/webhook.`,
      );
    }
  }
  return problems;
}

function checkPolicy(name: string, policy: unknown, binding: unknown): string[] {
  const problems: string[] = [];
  if (policy === undefined)
    problems.push(`ValidatingAdmissionPolicy ${name} is missing: re-apply config/policy.`);
  else {
    const parsed = AdmissionPolicy.safeParse(policy);
    if (!parsed.success || (parsed.data.spec.failurePolicy ?? "Fail") !== "Fail") {
      problems.push(
        `ValidatingAdmissionPolicy ${name} does not have failurePolicy Fail: re-apply config/policy.`,
      );
    } else if ((parsed.data.spec.validations ?? []).length === 0) {
      problems.push(`ValidatingAdmissionPolicy ${name} validates nothing: re-apply config/policy.`);
    }
  }
  if (binding === undefined) {
    problems.push(`ValidatingAdmissionPolicyBinding ${name} is missing: re-apply config/policy.`);
  } else {
    const parsed = AdmissionPolicyBinding.safeParse(binding);
    if (
      !parsed.success ||
      parsed.data.spec.policyName !== name ||
      !(parsed.data.spec.validationActions ?? []).includes("Deny")
    ) {
      problems.push(
        `ValidatingAdmissionPolicyBinding ${name} does not bind ${name} with validationActions Deny: re-apply config/policy.`,
      );
    }
  }
  return problems;
}

/**
 * Whether the admission controls the gate relies on are in place, as registered with the API server: both webhook
 * configurations exist and, for every path the operator serves, hold an entry that calls it, at this operator, with
 * failurePolicy Fail, a caBundle that verifies the serving certificate (when it is known), and nothing narrowing
 * what it sees; and the closed-object policy exists (failurePolicy Fail) with a binding that denies. Pure.
 */
export function checkAdmissionControls(
  observed: ObservedAdmissionControls,
  expected: ExpectedAdmissionControls,
): AdmissionControlsVerdict {
  const mutatingPaths = expected.paths.filter((p) => p.startsWith("/mutate/"));
  const validatingPaths = expected.paths.filter((p) => !p.startsWith("/mutate/"));
  const problems = [
    ...checkConfiguration(
      "MutatingWebhookConfiguration",
      expected.mutatingConfiguration,
      observed.mutating,
      mutatingPaths,
      expected,
      observed.servingCertPem,
    ),
    ...checkConfiguration(
      "ValidatingWebhookConfiguration",
      expected.validatingConfiguration,
      observed.validating,
      validatingPaths,
      expected,
      observed.servingCertPem,
    ),
    ...checkPolicy(expected.closedObjectsPolicy, observed.policy, observed.binding),
  ];
  return { intact: problems.length === 0, problems };
}
