import { isIP } from "node:net";
import { hostname } from "node:os";
import { webhookNamespaceSelectorFlag } from "./label-selector-flag.js";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseDuration } from "../runtime/duration.js";
import { parseAddress } from "../runtime/http-server.js";
import { DEFAULT_JITTER_FACTOR } from "../runtime/leader-election/leader-election-config.js";
import { parseNetworks } from "../notifications/destination.js";

const durationMs = (flag: string) =>
  z.string().transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch {
      ctx.addIssue({ code: "custom", message: `--${flag} must be a duration such as 15s, 2m or 1h30m` });
      return z.NEVER;
    }
  });

/** A DNS name as a certificate's subjectAltName may hold it (lower case, RFC 1123 labels). */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

const positiveInt = (flag: string) =>
  z.coerce
    .number({ error: `--${flag} must be a whole number` })
    .int(`--${flag} must be a whole number`)
    .min(1, `--${flag} must be at least 1`);

function isListenAddress(value: string): boolean {
  try {
    parseAddress(value);
    return true;
  } catch {
    return false;
  }
}

/** The operator's configuration, parsed once at start from flags (and their environment variables). */
export const RunConfig = z
  .object({
    kubeconfig: z.string().optional(),
    namespace: z.string().optional(),
    leaderElect: z.boolean(),
    leaderElectionNamespace: z.string().min(1),
    leaderElectionId: z.string().min(1),
    identity: z.string().min(1),
    leaseDurationMs: durationMs("lease-duration"),
    renewDeadlineMs: durationMs("renew-deadline"),
    retryPeriodMs: durationMs("retry-period"),
    probeAddress: z.string(),
    metricsAddress: z.string(),
    metricsSecure: z.boolean(),
    /** Absent with --cert-source=operator and no --metrics-cert-dir: /metrics serves the operator's certificate. */
    metricsCertDir: z
      .string()
      .min(1, "--metrics-cert-dir must name a directory holding tls.crt and tls.key")
      .optional(),
    workers: positiveInt("workers"),
    resyncMs: durationMs("resync-period"),
    watchStallTimeoutMs: durationMs("watch-stall-timeout"),
    auditLog: z.string().min(1, "--audit-log must name a file, for example /var/lib/stagegate/audit.jsonl"),
    /** Set: the shared PostgreSQL audit store replaces the file trail. */
    auditDatabaseUrl: z
      .string()
      .refine((value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol), {
        message:
          "--audit-database-url must be a postgresql:// URL, for example " +
          "postgresql://stagegate@db.example:5432/stagegate?sslmode=verify-full",
      })
      .optional(),
    auditDatabasePasswordFile: z
      .string()
      .min(1, "--audit-database-password-file must name a file holding the database password")
      .optional(),
    webhookAddress: z.string(),
    webhookCertDir: z.string().min(1, "--webhook-cert-dir must name a directory holding tls.crt and tls.key"),
    webhookClientCaFile: z
      .string()
      .min(
        1,
        "--webhook-client-ca-file must name the PEM file of the CA of the API server's client certificate",
      ),
    webhookClientNames: z.string().transform((value) =>
      value
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    ),
    certSource: z.enum(["files", "operator"], {
      error: "--cert-source must be files (tls.crt and tls.key in --webhook-cert-dir) or operator",
    }),
    certSecret: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "--cert-secret must be the name of a Secret"),
    certNamespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "--cert-namespace must be the name of a namespace"),
    certDnsNames: z
      .array(
        z.string().refine((host) => isIP(host) !== 0 || DNS_NAME.test(host), {
          message: "--cert-dns-names must be DNS names or IP addresses, separated by commas",
        }),
      )
      .min(1, "--cert-dns-names must name at least one host"),
    certValidityMs: durationMs("cert-validity"),
    certRenewBeforeMs: durationMs("cert-renew-before"),
    certCaValidityMs: durationMs("cert-ca-validity"),
    certCaRenewBeforeMs: durationMs("cert-ca-renew-before"),
    admissionGuard: z.boolean(),
    admissionGuardIntervalMs: durationMs("admission-guard-interval"),
    webhookUrl: z
      .url({
        protocol: /^https$/,
        error: "--webhook-url must be an https:// URL, for example https://127.0.0.1:9443",
      })
      .optional(),
    webhookService: z
      .string()
      .regex(
        /^[a-z0-9-]+\/[a-z0-9-]+$/,
        "--webhook-service must be namespace/name, for example stagegate-system/stagegate-webhook",
      ),
    webhookNamespaceSelector: webhookNamespaceSelectorFlag,
    mutatingWebhookConfiguration: z.string().min(1),
    validatingWebhookConfiguration: z.string().min(1),
    closedObjectsPolicy: z.string().min(1),
    eventsAddress: z.string().refine((value) => value === "0" || (value !== "" && isListenAddress(value)), {
      message: "--events-bind-address must be host:port (for example :9444 or 127.0.0.1:0), or 0 to disable",
    }),
    pipelineEventsTokenFile: z
      .string()
      .min(1, "--pipeline-events-token-file must name a file of bearer tokens, one per line")
      .optional(),
    alertmanagerTokenFile: z
      .string()
      .min(1, "--alertmanager-token-file must name a file of bearer tokens, one per line")
      .optional(),
    commitAuthorsConfig: z
      .string()
      .min(1, "--commit-authors-config must name a YAML file (see docs/change-control.md)")
      .optional(),
    rollbackSealKeyFile: z
      .string()
      .min(1, "--rollback-seal-key-file must name a file holding at least 32 random bytes")
      .optional(),
    auditSigningKeyFile: z
      .string()
      .min(1, "--audit-signing-key-file must name a PEM file holding an ed25519 private key")
      .optional(),
    auditCheckpointNamespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "--audit-checkpoint-namespace must be a namespace name")
      .optional(),
    auditCheckpointEvery: positiveInt("audit-checkpoint-every"),
    auditFeedAddress: z
      .string()
      .refine((value) => value === "0" || (value !== "" && isListenAddress(value)), {
        message:
          "--audit-feed-bind-address must be host:port (for example :9445 or 127.0.0.1:0), or 0 to disable",
      }),
    calendarFeedAddress: z
      .string()
      .refine((value) => value === "0" || (value !== "" && isListenAddress(value)), {
        message:
          "--calendar-feed-bind-address must be host:port (for example :9446 or 127.0.0.1:0), or 0 to disable",
      }),
    auditPushUrl: z
      .url({
        protocol: /^https$/,
        error: "--audit-push-url must be an https:// URL, for example https://grc.example/stagegate/audit",
      })
      .optional(),
    auditPushKeyFile: z
      .string()
      .min(1, "--audit-push-key-file must name a file holding the HMAC key (at least 32 bytes)")
      .optional(),
    auditPushCaFile: z
      .string()
      .min(1, "--audit-push-ca-file must name a PEM file of the CA of the push endpoint's certificate")
      .optional(),
    auditPushBatch: positiveInt("audit-push-batch").max(1000, "--audit-push-batch must be at most 1000"),
    auditPushMaxAttempts: positiveInt("audit-push-max-attempts"),
    auditCheckpointIntervalMs: durationMs("audit-checkpoint-interval"),
    notifications: z.boolean(),
    notificationAllowedNetworks: z.string().transform((value, ctx) => {
      try {
        return parseNetworks(value);
      } catch (err) {
        ctx.addIssue({
          code: "custom",
          message: `--notification-allowed-networks: ${(err as Error).message}`,
        });
        return z.NEVER;
      }
    }),
    notificationPollMs: durationMs("notification-poll-interval"),
    notificationMaxAttempts: positiveInt("notification-max-attempts").max(
      50,
      "--notification-max-attempts must be at most 50",
    ),
    notificationRetryBackoffMs: durationMs("notification-retry-backoff"),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], {
      error: "--log-level must be one of trace, debug, info, warn, error, fatal, silent",
    }),
  })
  .refine((c) => (c.auditPushUrl === undefined) === (c.auditPushKeyFile === undefined), {
    message:
      "--audit-push-url and --audit-push-key-file go together: the key signs every push (a file of at least 32 " +
      "random bytes, shared with the receiver)",
    path: ["auditPushUrl"],
  })
  .refine((c) => c.auditDatabasePasswordFile === undefined || c.auditDatabaseUrl !== undefined, {
    message: "--audit-database-password-file needs --audit-database-url (the database it logs in to)",
    path: ["auditDatabasePasswordFile"],
  })
  .refine((c) => c.certRenewBeforeMs < c.certValidityMs && c.certCaRenewBeforeMs < c.certCaValidityMs, {
    message:
      "--cert-renew-before must be shorter than --cert-validity, and --cert-ca-renew-before shorter than " +
      "--cert-ca-validity",
    path: ["certRenewBeforeMs"],
  })
  .refine((c) => c.certCaRenewBeforeMs > 2 * c.certRenewBeforeMs, {
    message:
      "--cert-ca-renew-before must exceed twice --cert-renew-before (the next CA signs from half of it before the " +
      "old one ends, and must still be able to sign a certificate that is not due at once)",
    path: ["certCaRenewBeforeMs"],
  })
  .refine((c) => c.leaseDurationMs % 1000 === 0, {
    message: "--lease-duration must be whole seconds (a Lease stores seconds), for example 15s",
    path: ["leaseDurationMs"],
  })
  .refine(
    (c) =>
      c.leaseDurationMs > c.renewDeadlineMs && c.renewDeadlineMs > DEFAULT_JITTER_FACTOR * c.retryPeriodMs,
    {
      message:
        "--lease-duration must exceed --renew-deadline, which must exceed 1.2 × --retry-period (so a leader " +
        "gives up before a standby may take over)",
      path: ["leaseDurationMs"],
    },
  );
export type RunConfig = z.infer<typeof RunConfig>;

/** Flags of `stagegate run`, each with the environment variable that can set it and its default. */
export const RUN_FLAGS = {
  kubeconfig: { env: "KUBECONFIG", help: "kubeconfig file; in-cluster credentials when unset" },
  namespace: { env: "STAGEGATE_NAMESPACE", help: "watch one namespace only (default: all)" },
  "leader-elect": { env: "STAGEGATE_LEADER_ELECT", default: "true", help: "elect a leader through a Lease" },
  "leader-election-namespace": {
    env: "POD_NAMESPACE",
    default: "stagegate-system",
    help: "namespace of the Lease",
  },
  "leader-election-id": {
    env: "STAGEGATE_LEADER_ELECTION_ID",
    default: "stagegate-operator",
    help: "name of the Lease",
  },
  identity: { env: "POD_NAME", help: "this replica's identity in the Lease (default: hostname_pid)" },
  "lease-duration": { env: "STAGEGATE_LEASE_DURATION", default: "15s", help: "how long a standby waits" },
  "renew-deadline": {
    env: "STAGEGATE_RENEW_DEADLINE",
    default: "10s",
    help: "how long a leader tries to renew",
  },
  "retry-period": { env: "STAGEGATE_RETRY_PERIOD", default: "2s", help: "pause between election attempts" },
  "health-probe-bind-address": {
    env: "STAGEGATE_PROBE_ADDRESS",
    default: ":8081",
    help: "/healthz and /readyz",
  },
  "metrics-bind-address": {
    env: "STAGEGATE_METRICS_ADDRESS",
    default: ":8080",
    help: "/metrics (0 disables)",
  },
  "metrics-secure": {
    env: "STAGEGATE_METRICS_SECURE",
    default: "true",
    help:
      "serve /metrics over HTTPS to scrapers the API server authorises (TokenReview, SubjectAccessReview); " +
      "false: plain HTTP to anyone, for local development only",
  },
  "metrics-cert-dir": {
    env: "STAGEGATE_METRICS_CERT_DIR",
    help: "directory with the metrics server's tls.crt and tls.key (default: --webhook-cert-dir)",
  },
  workers: { env: "STAGEGATE_WORKERS", default: "4", help: "concurrent reconciles per controller" },
  "resync-period": {
    env: "STAGEGATE_RESYNC_PERIOD",
    default: "1h",
    help: "re-deliver every cached object once per period, spread over it (0s: never)",
  },
  "watch-stall-timeout": {
    env: "STAGEGATE_WATCH_STALL_TIMEOUT",
    default: "90s",
    help: "rebuild a silent watch",
  },
  "audit-log": {
    env: "STAGEGATE_AUDIT_LOG",
    default: "/var/lib/stagegate/audit.jsonl",
    help: "this replica's hash-chained audit trail (JSON lines)",
  },
  "audit-database-url": {
    env: "STAGEGATE_AUDIT_DATABASE_URL",
    help:
      "PostgreSQL URL of the audit record every replica shares, set up by `stagegate audit setup-database` " +
      "(unset: the file trail of --audit-log). As a flag it may not hold a password: use " +
      "--audit-database-password-file, or set the variable from a Secret",
  },
  "audit-database-password-file": {
    env: "STAGEGATE_AUDIT_DATABASE_PASSWORD_FILE",
    help: "file holding the password of --audit-database-url's user",
  },
  "webhook-bind-address": {
    env: "STAGEGATE_WEBHOOK_ADDRESS",
    default: ":9443",
    help: "HTTPS admission webhooks (0 disables)",
  },
  "webhook-cert-dir": {
    env: "STAGEGATE_WEBHOOK_CERT_DIR",
    default: "/tmp/k8s-webhook-server/serving-certs",
    help: "directory with the webhook's tls.crt and tls.key",
  },
  "webhook-client-ca-file": {
    env: "STAGEGATE_WEBHOOK_CLIENT_CA_FILE",
    help:
      "CA of the API server's client certificate; webhook callers without such a certificate are refused " +
      "(default: client-ca.crt in --webhook-cert-dir)",
  },
  "webhook-client-names": {
    env: "STAGEGATE_WEBHOOK_CLIENT_NAMES",
    default: "",
    help: "comma-separated common names allowed among those certificates (empty: any the CA issued)",
  },
  "cert-source": {
    env: "STAGEGATE_CERT_SOURCE",
    default: "files",
    help:
      "where the serving certificate of the webhooks, receivers and metrics comes from: files (tls.crt and " +
      "tls.key in --webhook-cert-dir, issued by someone else) or operator (the operator issues and rotates it in " +
      "--cert-secret and writes its CA into the caBundle of the two webhook configurations)",
  },
  "cert-secret": {
    env: "STAGEGATE_CERT_SECRET",
    default: "stagegate-webhook-certs",
    help: "with --cert-source=operator: the Secret holding the CAs and the serving certificate",
  },
  "cert-namespace": {
    env: "POD_NAMESPACE",
    default: "stagegate-system",
    help: "the namespace of --cert-secret (the operator's own)",
  },
  "cert-dns-names": {
    env: "STAGEGATE_CERT_DNS_NAMES",
    help:
      "DNS names and IP addresses of the serving certificate, comma-separated (default: the host of " +
      "--webhook-url, or the --webhook-service name in its namespace, .svc and .svc.cluster.local)",
  },
  "cert-validity": {
    env: "STAGEGATE_CERT_VALIDITY",
    default: "2160h",
    help: "with --cert-source=operator: how long a serving certificate is valid",
  },
  "cert-renew-before": {
    env: "STAGEGATE_CERT_RENEW_BEFORE",
    default: "720h",
    help: "renew the serving certificate this long before it expires",
  },
  "cert-ca-validity": {
    env: "STAGEGATE_CERT_CA_VALIDITY",
    default: "17520h",
    help: "with --cert-source=operator: how long a CA is valid",
  },
  "cert-ca-renew-before": {
    env: "STAGEGATE_CERT_CA_RENEW_BEFORE",
    default: "4380h",
    help:
      "publish the next CA in the caBundles this long before the CA expires; it signs from half of this before " +
      "(the old CA stays trusted until it expires)",
  },
  "admission-guard": {
    env: "STAGEGATE_ADMISSION_GUARD",
    default: "true",
    help: "check that the admission webhooks and closed-object policy are registered as shipped (gates hold while not)",
  },
  "admission-guard-interval": {
    env: "STAGEGATE_ADMISSION_GUARD_INTERVAL",
    default: "10s",
    help: "how often the admission controls are checked",
  },
  "webhook-url": {
    env: "STAGEGATE_WEBHOOK_URL",
    help: "base URL the webhook configurations call instead of --webhook-service (out-of-cluster runs)",
  },
  "webhook-service": {
    env: "STAGEGATE_WEBHOOK_SERVICE",
    default: "stagegate-system/stagegate-webhook",
    help: "namespace/name of the Service the webhook configurations must call",
  },
  "webhook-namespace-selector": {
    env: "STAGEGATE_WEBHOOK_NAMESPACE_SELECTOR",
    help: "the only namespaceSelector the webhook entries may carry, as JSON (default: none)",
  },
  "mutating-webhook-configuration": {
    env: "STAGEGATE_MUTATING_WEBHOOK_CONFIGURATION",
    default: "stagegate-mutating-webhooks",
    help: "name of the MutatingWebhookConfiguration the guard checks",
  },
  "validating-webhook-configuration": {
    env: "STAGEGATE_VALIDATING_WEBHOOK_CONFIGURATION",
    default: "stagegate-validating-webhooks",
    help: "name of the ValidatingWebhookConfiguration the guard checks",
  },
  "closed-objects-policy": {
    env: "STAGEGATE_CLOSED_OBJECTS_POLICY",
    default: "stagegate-closed-objects-immutable",
    help: "name of the ValidatingAdmissionPolicy (and its binding) the guard checks",
  },
  "events-bind-address": {
    env: "STAGEGATE_EVENTS_ADDRESS",
    default: ":9444",
    help: "HTTPS event receivers, certificate from --webhook-cert-dir (0 disables)",
  },
  "pipeline-events-token-file": {
    env: "STAGEGATE_PIPELINE_EVENTS_TOKEN_FILE",
    help: "bearer tokens for POST /pipeline-events, one per line (unset: endpoint disabled)",
  },
  "alertmanager-token-file": {
    env: "STAGEGATE_ALERTMANAGER_TOKEN_FILE",
    help: "bearer tokens for POST /alertmanager, one per line (unset: endpoint disabled)",
  },
  "commit-authors-config": {
    env: "STAGEGATE_COMMIT_AUTHORS_CONFIG",
    help: "YAML: read commit authors from git and map them to users (unset: authors as Releases declare them)",
  },
  "audit-signing-key-file": {
    env: "STAGEGATE_AUDIT_SIGNING_KEY_FILE",
    help: "ed25519 private key (PEM) signing checkpoints of this replica's audit trail (unset: no checkpoints)",
  },
  "audit-checkpoint-namespace": {
    env: "STAGEGATE_AUDIT_CHECKPOINT_NAMESPACE",
    help: "namespace of the checkpoint ConfigMaps (default: --leader-election-namespace)",
  },
  "audit-checkpoint-every": {
    env: "STAGEGATE_AUDIT_CHECKPOINT_EVERY",
    default: "100",
    help: "sign a checkpoint of the audit trail every this many entries",
  },
  "audit-checkpoint-interval": {
    env: "STAGEGATE_AUDIT_CHECKPOINT_INTERVAL",
    default: "5m",
    help: "and at the latest this long after an entry no checkpoint covers",
  },
  "audit-feed-bind-address": {
    env: "STAGEGATE_AUDIT_FEED_ADDRESS",
    default: "0",
    help:
      "HTTPS GRC feed of the audit record (GET /audit/v1/records), for callers the API server authorises to list " +
      "auditrecords.stagegate.io; certificate as for the receivers (0 disables)",
  },
  "calendar-feed-bind-address": {
    env: "STAGEGATE_CALENDAR_FEED_ADDRESS",
    default: "0",
    help:
      "HTTPS iCalendar feed (GET /calendar/v1/calendar.ics) of what each caller may read, with the caller's " +
      "Kubernetes token as the Basic password or Bearer token; certificate as for the receivers (0 disables)",
  },
  "audit-push-url": {
    env: "STAGEGATE_AUDIT_PUSH_URL",
    help: "https:// endpoint the leader pushes new audit entries to, signed and retried (unset: no push)",
  },
  "audit-push-key-file": {
    env: "STAGEGATE_AUDIT_PUSH_KEY_FILE",
    help: "HMAC-SHA256 key (>= 32 bytes) signing each push; the receiver checks X-Stagegate-Signature with it",
  },
  "audit-push-ca-file": {
    env: "STAGEGATE_AUDIT_PUSH_CA_FILE",
    help: "PEM CA that verifies --audit-push-url's certificate (default: the system's CAs)",
  },
  "audit-push-batch": {
    env: "STAGEGATE_AUDIT_PUSH_BATCH",
    default: "100",
    help: "the most entries one push carries",
  },
  "audit-push-max-attempts": {
    env: "STAGEGATE_AUDIT_PUSH_MAX_ATTEMPTS",
    default: "5",
    help: "a push the endpoint refuses permanently (4xx but 408, 429) this many times is dead-lettered",
  },
  notifications: {
    env: "STAGEGATE_NOTIFICATIONS",
    default: "false",
    help: "deliver audit events to NotificationRoutes (e-mail, Slack, Teams, signed webhooks) from the leader: true or false",
  },
  "notification-allowed-networks": {
    env: "STAGEGATE_NOTIFICATION_ALLOWED_NETWORKS",
    default: "",
    help: "CIDRs of internal networks routes may deliver to (loopback, private and link-local are refused otherwise)",
  },
  "notification-poll-interval": {
    env: "STAGEGATE_NOTIFICATION_POLL_INTERVAL",
    default: "2s",
    help: "the longest the leader waits before it looks for new audit events and due retries (it looks at once when it records one)",
  },
  "notification-max-attempts": {
    env: "STAGEGATE_NOTIFICATION_MAX_ATTEMPTS",
    default: "6",
    help: "attempts of one delivery the receiver did not take before it is given up (counted and shown on the route)",
  },
  "notification-retry-backoff": {
    env: "STAGEGATE_NOTIFICATION_RETRY_BACKOFF",
    default: "10s",
    help: "the wait before a delivery's second attempt; each further wait doubles, up to 10m",
  },
  "rollback-seal-key-file": {
    env: "STAGEGATE_ROLLBACK_SEAL_KEY_FILE",
    help: "key (>= 32 bytes) sealing the Rollback tasks the operator opens; the same on every replica (unset: a random key per process)",
  },
  "log-level": { env: "STAGEGATE_LOG_LEVEL", default: "info", help: "trace, debug, info, warn, error" },
} as const satisfies Record<string, { env: string; default?: string; help: string }>;

/** A flag or environment value that does not parse; the message names the flag and the fix. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses `stagegate run` flags, falling back to environment variables and defaults. */
export function parseRunConfig(argv: string[], env: NodeJS.ProcessEnv): RunConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.keys(RUN_FLAGS).map((flag) => [flag, { type: "string" as const }]),
    );
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run "stagegate run --help" for the flags.`);
  }
  const pick = (flag: keyof typeof RUN_FLAGS): string | undefined => {
    const spec: { env: string; default?: string } = RUN_FLAGS[flag];
    const fromFlag = values[flag];
    if (typeof fromFlag === "string") return fromFlag;
    const fromEnv = env[spec.env];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : spec.default;
  };
  const booleanFlag = (flag: "notifications"): boolean => {
    const value = pick(flag);
    if (value !== "true" && value !== "false")
      throw new ConfigError(`--${flag} must be true or false, not "${value}"`);
    return value === "true";
  };
  const leaderElect = pick("leader-elect");
  if (leaderElect !== "true" && leaderElect !== "false") {
    throw new ConfigError(`--leader-elect must be true or false, not "${leaderElect}"`);
  }
  const metricsSecure = pick("metrics-secure");
  if (metricsSecure !== "true" && metricsSecure !== "false") {
    throw new ConfigError(`--metrics-secure must be true or false, not "${metricsSecure}"`);
  }
  const certSource = pick("cert-source");
  const admissionGuard = pick("admission-guard");
  if (admissionGuard !== "true" && admissionGuard !== "false") {
    throw new ConfigError(`--admission-guard must be true or false, not "${admissionGuard}"`);
  }
  const databaseFlag = values["audit-database-url"];
  if (
    typeof databaseFlag === "string" &&
    URL.canParse(databaseFlag) &&
    new URL(databaseFlag).password !== ""
  ) {
    throw new ConfigError(
      "--audit-database-url must not hold a password: a flag's value shows in the process list and the pod " +
        "spec. Put the password in a file and pass --audit-database-password-file, or set " +
        "$STAGEGATE_AUDIT_DATABASE_URL from a Secret.",
    );
  }
  const result = RunConfig.safeParse({
    kubeconfig: pick("kubeconfig"),
    namespace: pick("namespace"),
    leaderElect: leaderElect === "true",
    leaderElectionNamespace: pick("leader-election-namespace"),
    leaderElectionId: pick("leader-election-id"),
    identity: pick("identity") ?? `${hostname()}_${process.pid}`,
    leaseDurationMs: pick("lease-duration"),
    renewDeadlineMs: pick("renew-deadline"),
    retryPeriodMs: pick("retry-period"),
    probeAddress: pick("health-probe-bind-address"),
    metricsAddress: pick("metrics-bind-address"),
    metricsSecure: metricsSecure === "true",
    metricsCertDir:
      pick("metrics-cert-dir") ?? (certSource === "operator" ? undefined : pick("webhook-cert-dir")),
    workers: pick("workers"),
    resyncMs: pick("resync-period"),
    watchStallTimeoutMs: pick("watch-stall-timeout"),
    auditLog: pick("audit-log"),
    auditDatabaseUrl: pick("audit-database-url"),
    auditDatabasePasswordFile: pick("audit-database-password-file"),
    webhookAddress: pick("webhook-bind-address"),
    webhookCertDir: pick("webhook-cert-dir"),
    webhookClientCaFile:
      pick("webhook-client-ca-file") ??
      path.join(pick("webhook-cert-dir") ?? RUN_FLAGS["webhook-cert-dir"].default, "client-ca.crt"),
    webhookClientNames: pick("webhook-client-names"),
    certSource,
    certSecret: pick("cert-secret"),
    certNamespace: pick("cert-namespace"),
    certDnsNames: certDnsNames(pick("cert-dns-names"), pick("webhook-url"), pick("webhook-service")),
    certValidityMs: pick("cert-validity"),
    certRenewBeforeMs: pick("cert-renew-before"),
    certCaValidityMs: pick("cert-ca-validity"),
    certCaRenewBeforeMs: pick("cert-ca-renew-before"),
    admissionGuard: admissionGuard === "true",
    admissionGuardIntervalMs: pick("admission-guard-interval"),
    webhookUrl: pick("webhook-url"),
    webhookService: pick("webhook-service"),
    webhookNamespaceSelector: pick("webhook-namespace-selector"),
    mutatingWebhookConfiguration: pick("mutating-webhook-configuration"),
    validatingWebhookConfiguration: pick("validating-webhook-configuration"),
    closedObjectsPolicy: pick("closed-objects-policy"),
    eventsAddress: pick("events-bind-address"),
    pipelineEventsTokenFile: pick("pipeline-events-token-file"),
    alertmanagerTokenFile: pick("alertmanager-token-file"),
    commitAuthorsConfig: pick("commit-authors-config"),
    rollbackSealKeyFile: pick("rollback-seal-key-file"),
    auditSigningKeyFile: pick("audit-signing-key-file"),
    auditCheckpointNamespace: pick("audit-checkpoint-namespace"),
    auditCheckpointEvery: pick("audit-checkpoint-every"),
    auditCheckpointIntervalMs: pick("audit-checkpoint-interval"),
    auditFeedAddress: pick("audit-feed-bind-address"),
    calendarFeedAddress: pick("calendar-feed-bind-address"),
    auditPushUrl: pick("audit-push-url"),
    auditPushKeyFile: pick("audit-push-key-file"),
    auditPushCaFile: pick("audit-push-ca-file"),
    auditPushBatch: pick("audit-push-batch"),
    auditPushMaxAttempts: pick("audit-push-max-attempts"),
    notifications: booleanFlag("notifications"),
    notificationAllowedNetworks: pick("notification-allowed-networks"),
    notificationPollMs: pick("notification-poll-interval"),
    notificationMaxAttempts: pick("notification-max-attempts"),
    notificationRetryBackoffMs: pick("notification-retry-backoff"),
    logLevel: pick("log-level"),
  });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => issue.message).join("; "));
  }
  return result.data;
}

/**
 * The hosts of the serving certificate: `--cert-dns-names` when given, else the host of `--webhook-url`, else the
 * `--webhook-service` in its namespace (`.svc` and `.svc.cluster.local`, what the API server dials).
 */
function certDnsNames(
  given: string | undefined,
  webhookUrl: string | undefined,
  webhookService: string | undefined,
): string[] {
  if (given !== undefined) {
    return given
      .split(",")
      .map((host) => host.trim())
      .filter((host) => host !== "");
  }
  if (webhookUrl !== undefined) {
    try {
      return [new URL(webhookUrl).hostname.replace(/^\[(.*)\]$/, "$1")];
    } catch {
      return []; // --webhook-url itself is reported
    }
  }
  const [namespace, name] = (webhookService ?? "").split("/");
  if (namespace === undefined || name === undefined) return [];
  return [`${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
}

/** The help text of `stagegate run`. */
export function runHelp(): string {
  const lines = Object.entries(RUN_FLAGS).map(([flag, spec]) => {
    const def = "default" in spec ? ` (default ${spec.default})` : "";
    return `  --${flag.padEnd(28)} ${spec.help}${def} [$${spec.env}]`;
  });
  return ["Usage: stagegate run [flags]", "", "Runs the operator.", "", "Flags:", ...lines].join("\n");
}
