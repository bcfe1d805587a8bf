import { z } from "zod";
import { webhookNamespaceSelectorFlag } from "../../cmd/label-selector-flag.js";
import { parseDuration } from "../../runtime/duration.js";
import { UsageError } from "../errors.js";
import { parseVerbArgs, expectPositionals, validateFlags, type GlobalOptions } from "../flags.js";
import type { CliEnv } from "../verb.js";
import { SHIPPED_OPERATOR_ROLE_FILE } from "./shipped-rbac.js";

/**
 * The flags of `stagegate check`. Their defaults are those of `stagegate run` and config/ (namespace
 * stagegate-system, ServiceAccount and Lease stagegate-operator, the shipped webhook configuration and policy
 * names), so a check of a default install needs none of them.
 */
export const CHECK_FLAGS = {
  "operator-namespace": {
    type: "string",
    value: "NAME",
    help: "the operator's namespace: its ServiceAccount, Lease, pods (default stagegate-system)",
  },
  "service-account": {
    type: "string",
    value: "NAME",
    help: "the operator's ServiceAccount in that namespace (default stagegate-operator)",
  },
  lease: {
    type: "string",
    value: "NAME",
    help: "the leader election Lease in that namespace, the operator's --leader-election-id (default stagegate-operator)",
  },
  "operator-selector": {
    type: "string",
    value: "SELECTOR",
    help: "label selector of the operator's pods (default app.kubernetes.io/name=stagegate,app.kubernetes.io/component=operator)",
  },
  "mutating-webhook-configuration": {
    type: "string",
    value: "NAME",
    help: "the MutatingWebhookConfiguration (default stagegate-mutating-webhooks)",
  },
  "validating-webhook-configuration": {
    type: "string",
    value: "NAME",
    help: "the ValidatingWebhookConfiguration (default stagegate-validating-webhooks)",
  },
  "closed-objects-policy": {
    type: "string",
    value: "NAME",
    help: "the ValidatingAdmissionPolicy and its binding (default stagegate-closed-objects-immutable)",
  },
  "webhook-service": {
    type: "string",
    value: "NS/NAME",
    help: "the Service the webhooks must call (default <operator-namespace>/stagegate-webhook)",
  },
  "webhook-url": {
    type: "string",
    value: "URL",
    help: "the base URL the webhooks must call instead, as the operator's --webhook-url",
  },
  "webhook-namespace-selector": {
    type: "string",
    value: "JSON",
    help: "the only namespaceSelector the webhooks may carry, as the operator's flag (default none)",
  },
  "webhook-cert-secret": {
    type: "string",
    value: "NAME",
    help: 'Secret (type kubernetes.io/tls) of the serving certificate, "" to skip (default stagegate-webhook-tls)',
  },
  "min-cert-validity": {
    type: "string",
    value: "DURATION",
    help: "fail a certificate that expires sooner than this (default 168h)",
  },
  "probe-namespace": {
    type: "string",
    value: "NAME",
    help: "namespace of the dry-run ChangeRequests sent to the webhooks (default: the operator namespace)",
  },
  "probe-audit": {
    type: "boolean",
    help: "send one request the webhook refuses for real, so a replica records it in its audit trail",
  },
  "operator-role": {
    type: "string",
    value: "FILE",
    help:
      "the shipped operator roles to compare with (default config/rbac/operator-role.yaml of this build; " +
      "webhook-certificate-role.yaml beside it, if any, is allowed too)",
  },
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const label = (flag: string, example: string) =>
  z
    .string()
    .max(63, `--${flag} must be at most 63 characters`)
    .regex(DNS_LABEL, `--${flag} must be a name such as ${example} (lowercase letters, digits, '-')`);
const objectName = (flag: string, example: string) =>
  z
    .string()
    .max(253, `--${flag} must be at most 253 characters`)
    .regex(DNS_SUBDOMAIN, `--${flag} must be an object name such as ${example}`);

const CheckFlags = z.object({
  operatorNamespace: label("operator-namespace", "stagegate-system"),
  serviceAccount: objectName("service-account", "stagegate-operator"),
  lease: objectName("lease", "stagegate-operator"),
  operatorSelector: z.string().min(1, "--operator-selector must be a label selector such as app=stagegate"),
  mutatingWebhookConfiguration: objectName("mutating-webhook-configuration", "stagegate-mutating-webhooks"),
  validatingWebhookConfiguration: objectName(
    "validating-webhook-configuration",
    "stagegate-validating-webhooks",
  ),
  closedObjectsPolicy: objectName("closed-objects-policy", "stagegate-closed-objects-immutable"),
  webhookService: z
    .string()
    .regex(
      /^[a-z0-9-]+\/[a-z0-9-]+$/,
      "--webhook-service must be namespace/name, for example stagegate-system/stagegate-webhook",
    )
    .transform((value) => {
      const [namespace = "", name = ""] = value.split("/");
      return { namespace, name };
    }),
  webhookUrl: z
    .url({
      protocol: /^https$/,
      error: "--webhook-url must be an https:// URL, for example https://127.0.0.1:9443",
    })
    .transform((url) => url.replace(/\/$/, ""))
    .optional(),
  webhookNamespaceSelector: webhookNamespaceSelectorFlag,
  webhookCertSecret: z.union([z.literal(""), objectName("webhook-cert-secret", "stagegate-webhook-tls")]),
  minCertValidityMs: z.string().transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: "--min-cert-validity must be a duration such as 168h or 720h (units ms, s, m, h)",
      });
      return z.NEVER;
    }
  }),
  probeNamespace: label("probe-namespace", "stagegate-system"),
  probeAudit: z.boolean(),
  operatorRole: z.string().min(1, "--operator-role must name a YAML file"),
});

/** Options of `stagegate check`, validated. */
export type CheckOptions = Omit<GlobalOptions, "namespace"> & z.infer<typeof CheckFlags>;

/** Parses `stagegate check` flags; bad values are usage errors that name the flag and the fix. */
export function parseCheckOptions(argv: readonly string[], env: CliEnv): CheckOptions {
  const { global, values, positionals } = parseVerbArgs("check", argv, env, CHECK_FLAGS);
  expectPositionals(positionals, []);
  if (global.namespace !== undefined) {
    throw new UsageError(
      "stagegate check looks at the whole cluster, so -n/--namespace does not apply: name the operator's " +
        "namespace with --operator-namespace (default stagegate-system).",
    );
  }
  const text = (flag: keyof typeof CHECK_FLAGS): string | undefined => {
    const value = values[flag];
    return typeof value === "string" ? value : undefined;
  };
  // First on its own: other defaults are derived from it, and should not repeat its error.
  const { operatorNamespace } = validateFlags(CheckFlags.pick({ operatorNamespace: true }), {
    operatorNamespace: text("operator-namespace") ?? "stagegate-system",
  });
  const flags = validateFlags(CheckFlags, {
    operatorNamespace,
    serviceAccount: text("service-account") ?? "stagegate-operator",
    lease: text("lease") ?? "stagegate-operator",
    operatorSelector:
      text("operator-selector") ?? "app.kubernetes.io/name=stagegate,app.kubernetes.io/component=operator",
    mutatingWebhookConfiguration: text("mutating-webhook-configuration") ?? "stagegate-mutating-webhooks",
    validatingWebhookConfiguration:
      text("validating-webhook-configuration") ?? "stagegate-validating-webhooks",
    closedObjectsPolicy: text("closed-objects-policy") ?? "stagegate-closed-objects-immutable",
    webhookService: text("webhook-service") ?? `${operatorNamespace}/stagegate-webhook`,
    webhookUrl: text("webhook-url"),
    webhookNamespaceSelector: text("webhook-namespace-selector"),
    webhookCertSecret: text("webhook-cert-secret") ?? "stagegate-webhook-tls",
    minCertValidityMs: text("min-cert-validity") ?? "168h",
    probeNamespace: text("probe-namespace") ?? operatorNamespace,
    probeAudit: values["probe-audit"] === true,
    operatorRole: text("operator-role") ?? SHIPPED_OPERATOR_ROLE_FILE,
  });
  return { kubeconfig: global.kubeconfig, output: global.output, ...flags };
}
