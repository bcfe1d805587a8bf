import { z } from "zod";
import { resources } from "../../controllers/resources.js";
import { buildPeriodReport, type PeriodScope } from "../../audit/reports/period-model.js";
import { UsageError } from "../errors.js";
import { formatFlags, parseVerbArgs, validateFlags, timeFlag } from "../flags.js";
import { withSession } from "../kube-session.js";
import type { CliIo, Verb } from "../verb.js";
import { parseReportOptions, REPORT_FLAGS, type ReportOptions } from "./audit-report-options.js";
import { runReport } from "./audit-report-run.js";

const FLAGS = {
  ...REPORT_FLAGS,
  since: { type: "string", value: "TIME", help: "the period's start, RFC 3339 (required)" },
  until: { type: "string", value: "TIME", help: "the period's end (exclusive), RFC 3339 (required)" },
  environment: {
    type: "string",
    value: "NAMES",
    help: "comma-separated environments in scope, e.g. the regulated ones (default: every environment)",
  },
  "regulated-only": {
    type: "boolean",
    help: "scope: the Environments the cluster marks spec.regulated (reads them with the kubeconfig)",
  },
} as const;

const Instant = timeFlag;

const PeriodFlags = z
  .object({
    since: z
      .string({ error: "--since is required: the period's start, e.g. --since 2026-10-01T00:00:00Z" })
      .pipe(Instant("since")),
    until: z
      .string({ error: "--until is required: the period's end, e.g. --until 2027-01-01T00:00:00Z" })
      .pipe(Instant("until")),
    environments: z
      .array(
        z
          .string()
          .regex(
            /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
            "--environment must list Environment names, separated by commas",
          ),
      )
      .optional(),
  })
  .refine((f) => f.since < f.until, { message: "--since must be before --until" });

/** Options of `stagegate audit report period`: the period, its scope, and the shared report options. */
export type AuditReportPeriodOptions = ReportOptions & {
  since: Date;
  until: Date;
  environments?: string[] | undefined;
  regulatedOnly: boolean;
};

/** The names of the Environments the cluster marks regulated (a cluster-scoped list, read as the caller). */
async function regulatedEnvironments(io: CliIo, kubeconfig: string): Promise<Set<string>> {
  return withSession(io, kubeconfig, async ({ client }) => {
    const { items } = await client.list(resources.environment, {});
    return new Set(
      items
        .filter((e) => (e.spec as { regulated?: unknown } | undefined)?.regulated === true)
        .map((e) => e.metadata.name),
    );
  });
}

/**
 * `stagegate audit report period --since T --until T [FILE...]`: every change (promotion, rollback) to the
 * environments in scope in the period, with the exceptions (emergency changes and their reviews, expired
 * approvals, unapproved deployments detected, broken separation of duties) and the chain proof. Reads only.
 */
export const auditReportPeriodVerb: Verb<AuditReportPeriodOptions> = {
  name: "audit report period",
  summary: "Write a period's change report (HTML or PDF) with its exceptions and the chain proof",
  usage: [
    "Usage: stagegate audit report period --since TIME --until TIME [FILE ...] [--database-url URL]",
    "                                    [--environment NAMES | --regulated-only] [-n NAMESPACE]",
    "                                    [--public-key FILES ...] [--template FILE] [--format html|pdf] -o FILE",
    "",
    "Every change to the environments in scope between --since and --until (each promotion and rollback, with who",
    "requested and who approved it), and the exceptions: emergency changes and their reviews, expired approvals,",
    "unapproved deployments detected, approvals that broke separation of duties. The trail does not record which",
    "environments were regulated: name them with --environment, or take the cluster's current spec.regulated with",
    "--regulated-only. The chain proof and exit codes are those of `stagegate audit report release`.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate audit report period --since 2026-10-01T00:00:00Z --until 2027-01-01T00:00:00Z \\",
    "    --environment prod,staging audit-0.jsonl audit-1.jsonl --format pdf -o q4.pdf",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit report period", argv, env, FLAGS);
    const environment = values.environment;
    const flags = validateFlags(PeriodFlags, {
      since: values.since,
      until: values.until,
      environments: typeof environment === "string" ? environment.split(",").map((e) => e.trim()) : undefined,
    });
    const regulatedOnly = values["regulated-only"] === true;
    if (regulatedOnly && flags.environments !== undefined) {
      throw new UsageError("--environment and --regulated-only both set the scope: give one of them.");
    }
    return { ...parseReportOptions(global, values, positionals), ...flags, regulatedOnly };
  },

  async run(options, io) {
    const environments = options.regulatedOnly
      ? await regulatedEnvironments(io, options.kubeconfig)
      : options.environments === undefined
        ? undefined
        : new Set(options.environments);
    const scope: PeriodScope = {
      since: options.since,
      until: options.until,
      environments,
      namespace: options.namespace,
    };
    const until = options.until.getTime();
    return runReport(
      options,
      {
        verb: "audit report period",
        kind: "period",
        keep: (entry) =>
          Date.parse(entry.time) < until &&
          (scope.namespace === undefined || entry.object.namespace === scope.namespace),
        build: (items, chain, now) => buildPeriodReport(items, scope, chain, now),
      },
      io,
    );
  },
};
