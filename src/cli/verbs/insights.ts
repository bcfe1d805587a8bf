import { bottlenecks, type BottleneckRow } from "../../insights/measures/bottlenecks.js";
import { cycleTimes, type CycleTimeRow } from "../../insights/measures/cycle-time.js";
import { doraMeasures, type DoraRow } from "../../insights/measures/dora.js";
import { GATE_PARTS } from "../../insights/measures/gate-split.js";
import { humanDuration, type Column } from "../../insights/render.js";
import { UsageError } from "../errors.js";
import { insightVerb } from "./insights-verb.js";

const TRAILS = "/var/lib/stagegate/audit-0.jsonl /var/lib/stagegate/audit-1.jsonl";

/** `stagegate insights dora`: deployment frequency, lead time, change failure rate and time to restore. */
export const insightsDoraVerb = insightVerb<DoraRow>({
  name: "dora",
  summary: "The four DORA measures per environment (and dimension) from the audit trails",
  description: [
    "Prints, per environment (and per value of --by), the four DORA measures over the period: deployments",
    "(promotions verified) and deployments per day; lead time from the release's first record to verified in",
    "the environment (median and 90th percentile), and from the change's oldest commit where the operator read the",
    "commits from git (DORA's lead time for changes); change failure rate (promotions that failed or were",
    "rolled back, of those that ended); and time to restore (a rollback opened to completed). JSON and CSV give",
    "durations in seconds.",
  ],
  examples: [
    `stagegate insights dora ${TRAILS} --since 2026-10-01T00:00:00Z --until 2027-01-01T00:00:00Z`,
    "stagegate insights dora --database-url postgresql://auditor@db:5432/stagegate -l stagegate.io/team=payments -o csv",
  ],
  compute: (options, promotions) => doraMeasures(options.scope, promotions),
  columns: [
    { header: "ENVIRONMENT", value: (r) => r.environment },
    { header: "GROUP", value: (r) => r.group },
    { header: "DEPLOYMENTS", value: (r) => r.deployments },
    { header: "PER_DAY", value: (r) => r.deploymentsPerDay },
    { header: "LEAD_TIME_MEDIAN", value: (r) => r.leadTime.medianSeconds, duration: true },
    { header: "LEAD_TIME_P90", value: (r) => r.leadTime.p90Seconds, duration: true },
    {
      header: "COMMIT_LEAD_TIME_MEDIAN",
      value: (r) => r.commitLeadTime.medianSeconds,
      duration: true,
    },
    { header: "ENDED", value: (r) => r.ended },
    { header: "FAILURES", value: (r) => r.failures },
    { header: "CHANGE_FAILURE_RATE", value: (r) => r.changeFailureRate },
    { header: "RESTORES", value: (r) => r.timeToRestore.count },
    { header: "TIME_TO_RESTORE_MEDIAN", value: (r) => r.timeToRestore.medianSeconds, duration: true },
  ],
});

/** `stagegate insights cycle-time`: each release's time to production, split by stage and phase. */
export const insightsCycleTimeVerb = insightVerb<CycleTimeRow>({
  name: "cycle-time",
  summary: "Each release's cycle time to production from the audit trails, split by stage and phase",
  description: [
    "Prints, for each release verified in --environment (prod unless given) in the period, the time from its",
    "first record to that verification, and for each environment on the way how long it waited at the gate",
    "(checks, approvals, a window, a lock), for the approval, deploying and verifying.",
  ],
  examples: [
    `stagegate insights cycle-time ${TRAILS} --since 2026-11-01T00:00:00Z -o json`,
    `stagegate insights cycle-time ${TRAILS} --environment staging -l stagegate.io/region=eu-west-1`,
  ],
  flags: {
    environment: { type: "string", value: "NAME", help: "the production environment (default prod)" },
  },
  compute(options, promotions) {
    const environment = options.values.environment ?? "prod";
    if (typeof environment !== "string" || environment === "") {
      throw new UsageError("--environment must name an environment, such as prod.");
    }
    return cycleTimes(options.scope, promotions, environment);
  },
  columns: [
    { header: "NAMESPACE", value: (r) => r.namespace },
    { header: "RELEASE", value: (r) => r.release },
    { header: "FIRST_SEEN", value: (r) => r.firstSeenAt },
    { header: "CLOSED", value: (r) => r.closedAt },
    { header: "CYCLE", value: (r) => r.cycleSeconds, duration: true },
    {
      header: "STAGES (environment:gate/approval/deploying/verifying)",
      value: (r) =>
        r.stages
          .map(
            (s) =>
              `${s.environment}:${[s.gate, s.approval, s.deploying, s.verifying]
                .map((v) => (v === undefined ? "-" : humanDuration(v)))
                .join("/")}`,
          )
          .join(" "),
    },
  ],
});

/** The bottleneck report's columns: the gate row's split is one summary in a table, a total per part in CSV. */
export const BOTTLENECK_COLUMNS: readonly Column<BottleneckRow>[] = [
  { header: "ENVIRONMENT", value: (r) => r.environment },
  { header: "GROUP", value: (r) => r.group },
  { header: "PHASE", value: (r) => r.phase },
  { header: "COUNT", value: (r) => r.count },
  { header: "MEDIAN", value: (r) => r.medianSeconds, duration: true },
  { header: "P90", value: (r) => r.p90Seconds, duration: true },
  { header: "TOTAL", value: (r) => r.totalSeconds, duration: true },
  { header: "LONGEST_WAIT", value: (r) => r.longestWait },
  {
    header: "GATE_WAIT_BY_CATEGORY",
    only: "table",
    value: (r) =>
      GATE_PARTS.flatMap((part) => {
        const total = r.gateSplit?.[part]?.totalSeconds;
        return total === undefined ? [] : [`${part} ${humanDuration(total)}`];
      }).join(", "),
  },
  ...GATE_PARTS.map((part): Column<BottleneckRow> => ({
    header: `GATE_${part.toUpperCase()}`,
    only: "csv",
    duration: true,
    value: (r) => r.gateSplit?.[part]?.totalSeconds,
  })),
];

/** `stagegate insights bottlenecks`: where releases wait, by environment and phase. */
export const insightsBottlenecksVerb = insightVerb<BottleneckRow>({
  name: "bottlenecks",
  summary: "Where releases wait longest, by environment and phase, from the audit trails",
  description: [
    "Prints, for each environment (and value of --by) and phase (gate: from ready to promoted; approval: change",
    "requested to approved; deploying; verifying), how many promotions passed it, the median, the 90th",
    "percentile and the total time, largest total first: the first row is the bottleneck. The gate row is split",
    "by what the gate waited on (refused, previous, checks, approvals, window, freeze, lock), as the operator",
    "recorded each change (GateWaitChanged); the wait no record explains is given as unexplained, never guessed.",
    "JSON gives each part's summary under gateSplit and the largest under longestWait; CSV a total per part.",
  ],
  examples: [`stagegate insights bottlenecks ${TRAILS} --since 2026-11-01T00:00:00Z --by team`],
  compute: (options, promotions) => bottlenecks(options.scope, promotions),
  columns: BOTTLENECK_COLUMNS,
});
