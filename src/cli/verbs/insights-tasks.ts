import { readArchivedTasks } from "../../insights/tasks/archived-tasks.js";
import { listOpenTasks, type OpenTasks } from "../../insights/tasks/open-tasks.js";
import { taskRates, type TaskRateRow } from "../../insights/tasks/task-rates.js";
import { toCsv, toTable, type Column } from "../../insights/render.js";
import { formatVerification } from "../../audit/verification.js";
import { UsageError, explainApiErrors } from "../errors.js";
import { formatFlags } from "../flags.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { ARCHIVE_SOURCE_FLAGS, archiveSourceFrom, type ArchiveSource } from "./audit-archive-source.js";
import { withArchive } from "./audit-archive.js";
import { INSIGHT_FLAGS, parseInsightArgs, type InsightOptions } from "./insights-options.js";

const { "database-url": _d, "password-file": _p, by: _b, ...SCOPE_FLAGS } = INSIGHT_FLAGS;
const OPEN_FLAGS = {
  "open-from-cluster": {
    type: "boolean",
    help: "also count the tasks open now, listed with your kubeconfig (in -n NAMESPACE, else every namespace)",
  },
} as const;
/** The flags `--help` shows (the shared parser also knows --by, refused with a reason). */
const FLAGS = { ...ARCHIVE_SOURCE_FLAGS, ...OPEN_FLAGS, ...SCOPE_FLAGS };

/**
 * Options of `stagegate insights tasks`: the archive, the period and selector, the output, and whether (and where)
 * the tasks open now are read from the cluster.
 */
export type InsightTasksOptions = InsightOptions & {
  source: ArchiveSource;
  openFromCluster: boolean;
};

const COLUMNS: readonly Column<TaskRateRow>[] = [
  { header: "TYPE", value: (r) => r.type },
  { header: "OWNER", value: (r) => r.owner },
  { header: "CLOSED", value: (r) => r.closed },
  { header: "SUCCEEDED", value: (r) => r.succeeded },
  { header: "OPEN", value: (r) => r.open },
  { header: "COMPLETION_RATE", value: (r) => r.completionRate },
  { header: "WITH_DUE", value: (r) => r.withDue },
  { header: "OVERDUE", value: (r) => r.overdue },
  { header: "OPEN_OVERDUE", value: (r) => r.openOverdue },
  { header: "OVERDUE_RATE", value: (r) => r.overdueRate },
  { header: "TIME_TO_CLOSE_MEDIAN", value: (r) => r.timeToClose.medianSeconds, duration: true },
];

/**
 * `stagegate insights tasks`: completion and overdue rates of closed DeploymentTasks by type and owner, from the
 * archive of closed records, each document checked against the audit chain.
 */
export const insightsTasksVerb: Verb<InsightTasksOptions> = {
  name: "insights tasks",
  summary: "Completion and overdue rates of tasks by type and owner, from the verified archive",
  usage: [
    "Usage: stagegate insights tasks (--trail FILE | --database-url URL) [--since TIME] [--until TIME] [-l SELECTOR]",
    "                                [--open-from-cluster [-n NAMESPACE]] [-o table|json|csv]",
    "",
    "Reads the DeploymentTasks Stagegate archived when they closed (each document checked against the RecordArchived",
    "entry that records it, and the chain verified) and prints, per task type and owner, how many closed in the",
    "period and how many were open at its end (--until, else now), the share that succeeded, how many had a due",
    "date and the share of those closed after it or open past it, and the median time from creation to closing.",
    "A task archived after the period's end was open at it. Tasks open now are not archived yet: with",
    "--open-from-cluster they are listed with your kubeconfig and counted as open (created before the end);",
    "without it the output says they are left out. -l selects by the dimension labels tasks inherit from releases.",
    "",
    formatFlags(FLAGS),
    "",
    "Example:",
    "  stagegate insights tasks --trail /var/lib/stagegate/audit.jsonl --since 2026-11-01T00:00:00Z -l stagegate.io/team=payments",
  ].join("\n"),

  parse(argv, env) {
    const options = parseInsightArgs(
      "insights tasks",
      argv,
      env,
      { trail: ARCHIVE_SOURCE_FLAGS.trail, ...OPEN_FLAGS },
      false,
    );
    if (options.scope.by !== undefined) {
      throw new UsageError(
        "--by does not apply to insights tasks: its rows are per task type and owner; drop it.",
      );
    }
    return {
      ...options,
      source: archiveSourceFrom(options.values),
      openFromCluster: options.values["open-from-cluster"] === true,
    };
  },

  run(options, io) {
    return withArchive("insights tasks", options.source, io, async (opened) => {
      const { tasks, leftOut } = await readArchivedTasks(opened.store, opened.chain);
      const open = options.openFromCluster ? await openTasksFromCluster(options, io) : undefined;
      const rows = taskRates(options.scope, tasks, open?.tasks ?? []);
      if (options.format === "json") writeJson(io, rows);
      else if (options.format === "csv") io.stdout(toCsv(rows, COLUMNS));
      else io.stdout(toTable(rows, COLUMNS));
      io.stderr(`${formatVerification(opened.chain, opened.chainName, opened.unit)}\n`);
      if (leftOut > 0) io.stderr(`Left out ${leftOut} archived tasks the chain does not vouch for.\n`);
      if (open === undefined) {
        io.stderr(
          "Tasks open now are not archived and not counted; add --open-from-cluster to count them as open.\n",
        );
      } else if (open.unreadable > 0) {
        io.stderr(
          `Left out ${open.unreadable} DeploymentTasks of the cluster that could not be read as tasks.\n`,
        );
      }
      return opened.chain.ok && leftOut === 0 ? EXIT.ok : EXIT.failed;
    });
  },
};

/** The tasks open now, listed as the caller (the namespace of -n, else every namespace). */
function openTasksFromCluster(
  options: InsightTasksOptions,
  io: Parameters<Verb<InsightTasksOptions>["run"]>[1],
): Promise<OpenTasks> {
  return withSession(io, options.kubeconfig, (session) =>
    explainApiErrors("list the open DeploymentTasks", () => listOpenTasks(session.client, options.namespace)),
  );
}
