import { chainProof } from "../../audit/reports/chain-proof.js";
import { ANALYSED_ACTIONS, analyseFailures } from "../../insights/patterns/analysis.js";
import { failuresCsv, failuresJson, failuresTable, type TrailLine } from "../../insights/patterns/output.js";
import { formatFlags, parseVerbArgs } from "../flags.js";
import { EXIT, type Verb } from "../verb.js";
import {
  FAILURES_FLAGS,
  parseFailuresOptions,
  type InsightsFailuresOptions,
} from "./insights-failures-options.js";
import { readInsightRecord } from "./insights-failures-record.js";

/**
 * `stagegate insights failures [FILE...] [--database-url URL] --since --until [-l SELECTOR]`: failed deployments and
 * rollbacks correlated with task patterns (emergency or late changes, late checks, deployments outside usual hours,
 * skipped stages, overdue reviews), each pattern's failure rate against the baseline with a Wilson 95% interval,
 * and no claim from a group smaller than 10. Reads only entries the verified chains vouch for (ADR 0041).
 */
export const insightsFailuresVerb: Verb<InsightsFailuresOptions> = {
  name: "insights failures",
  summary: "Failed deployments and rollbacks against task patterns, with rates, intervals and the baseline",
  usage: [
    "Usage: stagegate insights failures [FILE ...] [--database-url URL [--password-file FILE]] --since TIME --until TIME",
    "                                   [--public-key FILES [--checkpoint-namespace NAME] [--writer NAMES]]",
    "                                   [-n NAMESPACE] [-l SELECTOR] [--usual-hours HH-HH] [--time-zone ZONE]",
    "                                   [--late-within DURATION] [--large-change COMMITS] [-o table|json|csv]",
    "",
    "Reads the given trails as `stagegate audit export` does (each verified first) and counts the promotions",
    "(ReleasePromoted) in the window that a failed deployment (EnvironmentFailed, VerificationFailed) or a rollback",
    "(RollbackTaskOpened, RollbackStarted) followed. For each task pattern: how many promotions showed it, their",
    "failure rate against the promotions without it (the baseline), each with a Wilson 95% interval, and a verdict",
    "that says `not enough data` when either group has fewer than 10 promotions. A large change set is judged only",
    "on promotions whose change set size the operator recorded (the commits it read from git for the approval).",
    "Entries after a trail's first bad",
    "line are not vouched for by its chain and are left out of every count (and counted apart). With --public-key,",
    "each trail is also checked against its signed checkpoints (a trail rewritten as a whole or cut short shows).",
    "Exit 0 when every trail verified, 1 when one did not (the analysis is still written), 2 on bad input.",
    "",
    formatFlags(FAILURES_FLAGS),
    "",
    "Examples:",
    "  stagegate insights failures /var/lib/stagegate/audit-0.jsonl --since 2026-01-01T00:00:00Z \\",
    "    --until 2027-01-01T00:00:00Z -l team=payments --usual-hours 08-18 --time-zone Europe/Berlin",
    "  stagegate insights failures --database-url postgresql://auditor@db/stagegate --since 2026-10-01T00:00:00Z \\",
    "    --until 2027-01-01T00:00:00Z -o csv > q4-patterns.csv",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("insights failures", argv, env, FAILURES_FLAGS);
    return parseFailuresOptions(global, values, positionals);
  },

  async run(options, io) {
    const record = await readInsightRecord(
      "insights failures",
      options,
      (entry) => ANALYSED_ACTIONS.has(entry.action),
      io,
    );
    if (record === undefined) return EXIT.usage;
    const analysis = analyseFailures(record.items, {
      since: options.since,
      until: options.until,
      selector: options.selector,
      namespace: options.namespace,
      lateWithinMs: options.lateWithinMs,
      usualHours: options.usualHours,
      timeZone: options.timeZone,
      largeChangeCommits: options.largeChangeCommits,
    });
    const trails: TrailLine[] = chainProof(record.trails, 0).trails.map((t) => ({
      name: t.name,
      verified: t.intact,
      sentence: [t.chain, ...(t.checkpoints ?? [])].join("\n"),
    }));
    if (options.output === "json") io.stdout(failuresJson(analysis, trails));
    else if (options.output === "csv") io.stdout(failuresCsv(analysis));
    else io.stdout(failuresTable(analysis, trails));
    for (const trail of trails) io.stderr(`${trail.sentence}\n`);
    return trails.every((t) => t.verified) ? EXIT.ok : EXIT.failed;
  },
};
