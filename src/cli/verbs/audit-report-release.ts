import { z } from "zod";
import { buildReleaseReport } from "../../audit/reports/release-model.js";
import { UsageError } from "../errors.js";
import { formatFlags, parseVerbArgs, validateFlags } from "../flags.js";
import type { Verb } from "../verb.js";
import { parseReportOptions, REPORT_FLAGS, type ReportOptions } from "./audit-report-options.js";
import { runReport } from "./audit-report-run.js";

const ReleaseName = z
  .string()
  .max(253, "NAME must be a Release name of at most 253 characters")
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "NAME must be a Release name such as shop-1-4-0");

/** Options of `stagegate audit report release`: the release, and the shared report options. */
export type AuditReportReleaseOptions = ReportOptions & { release: { namespace: string; name: string } };

/**
 * `stagegate audit report release NAME -n NAMESPACE [FILE...]`: one release's compliance report (what was deployed
 * where and when, who requested and approved it, separation of duties, checks and their evidence, emergency changes
 * and their reviews, verification results, rollbacks, exceptions, every entry, and the chain proof), rendered
 * through a template to HTML or PDF. Reads only.
 */
export const auditReportReleaseVerb: Verb<AuditReportReleaseOptions> = {
  name: "audit report release",
  summary: "Write a release's compliance report (HTML or PDF) from the audit trails, with the chain proof",
  usage: [
    "Usage: stagegate audit report release NAME -n NAMESPACE [FILE ...] [--database-url URL [--password-file FILE]]",
    "                                     [--public-key FILES [--checkpoint-namespace NAME] [--writer NAMES]]",
    "                                     [--template FILE] [--format html|pdf] [--chromium PATH] -o FILE",
    "",
    "Reads the given trails (each replica's file, the PostgreSQL store, or both) as `stagegate audit export` does,",
    "verifies each, and writes one release's report: what was deployed where and when, who requested and approved",
    "it, separation of duties, checks with their evidence, emergency changes and their reviews, verification",
    "results, rollbacks, exceptions, every entry about it, and the chain proof (each trail's verification and, with",
    "--public-key, its signed checkpoints). A trail that does not verify is named at the top of the report.",
    "Exit 0 when written over an intact record, 1 when written but a trail did not verify, 2 on bad input.",
    "PDF is printed by headless Chromium (Debian's chromium). Needs no cluster unless --public-key is given.",
    "",
    formatFlags(REPORT_FLAGS),
    "",
    "Examples:",
    "  stagegate audit report release shop-1-4-0 -n payments /var/lib/stagegate/audit-0.jsonl -o shop.html",
    "  stagegate audit report release shop-1-4-0 -n payments --database-url postgresql://auditor@db/stagegate \\",
    "    --public-key checkpoint.pub --format pdf -o shop-1-4-0.pdf",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit report release", argv, env, REPORT_FLAGS);
    const [name, ...files] = positionals;
    if (name === undefined) throw new UsageError("missing NAME (the Release to report on).", true);
    if (global.namespace === undefined) {
      throw new UsageError(
        "name the Release's namespace with -n NAMESPACE (the report reads no kubeconfig context).",
      );
    }
    const release = { namespace: global.namespace, name: validateFlags(ReleaseName, name) };
    return { ...parseReportOptions(global, values, files), release };
  },

  run(options, io) {
    const { namespace } = options.release;
    return runReport(
      options,
      {
        verb: "audit report release",
        kind: "release",
        keep: (entry) => entry.object.namespace === namespace,
        build: (items, chain, now) => buildReleaseReport(items, options.release, chain, now),
      },
      io,
    );
  },
};
