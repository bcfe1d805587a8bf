import type { AnyVerb } from "./verb.js";
import { auditSetupDatabaseVerb } from "./verbs/audit-setup-database.js";
import { auditExportVerb } from "./verbs/audit-export.js";
import { auditReportPeriodVerb } from "./verbs/audit-report-period.js";
import { auditReportReleaseVerb } from "./verbs/audit-report-release.js";
import { auditReportTemplatesVerb } from "./verbs/audit-report-templates.js";
import { auditArchiveGetVerb, auditArchiveListVerb } from "./verbs/audit-archive.js";
import { auditHoldVerb } from "./verbs/audit-hold.js";
import { auditPurgeVerb } from "./verbs/audit-purge.js";
import { auditVerifyVerb } from "./verbs/audit-verify.js";
import { calendarVerb } from "./verbs/calendar.js";
import { changesVerb } from "./verbs/changes.js";
import { tasksVerb } from "./verbs/tasks.js";
import { tasksAckVerb, tasksHandoverVerb } from "./verbs/task-handover.js";
import { insightsBottlenecksVerb, insightsCycleTimeVerb, insightsDoraVerb } from "./verbs/insights.js";
import { insightsTasksVerb } from "./verbs/insights-tasks.js";
import { insightsFailuresVerb } from "./verbs/insights-failures.js";
import { retroVerb } from "./verbs/retro.js";
import { checkVerb } from "./verbs/check.js";
import { approveVerb, deferVerb, rejectVerb } from "./verbs/decide.js";
import { statusVerb } from "./verbs/status.js";
import { verifyCommitsVerb } from "./verbs/verify-commits.js";
import { whoamiVerb } from "./verbs/whoami.js";

/** Every CLI verb, in the order `stagegate help` lists them. */
export const VERBS: readonly AnyVerb[] = [
  whoamiVerb,
  statusVerb,
  changesVerb,
  calendarVerb,
  tasksVerb,
  tasksAckVerb,
  tasksHandoverVerb,
  approveVerb,
  rejectVerb,
  deferVerb,
  auditVerifyVerb,
  auditExportVerb,
  auditReportReleaseVerb,
  auditReportPeriodVerb,
  auditReportTemplatesVerb,
  auditArchiveListVerb,
  auditArchiveGetVerb,
  auditHoldVerb,
  auditPurgeVerb,
  auditSetupDatabaseVerb,
  retroVerb,
  insightsFailuresVerb,
  verifyCommitsVerb,
  checkVerb,
  insightsDoraVerb,
  insightsCycleTimeVerb,
  insightsBottlenecksVerb,
  insightsTasksVerb,
];

/** A verb matched at the start of argv, and the arguments that follow its name. */
export interface VerbMatch {
  readonly verb: AnyVerb;
  readonly rest: readonly string[];
}

/** Finds the verb whose name (one or more words, e.g. `audit verify`) starts argv; the longest name wins. */
export function findVerb(argv: readonly string[], verbs: readonly AnyVerb[] = VERBS): VerbMatch | undefined {
  let best: VerbMatch | undefined;
  for (const verb of verbs) {
    const words = verb.name.split(" ");
    const matches = words.every((word, i) => argv[i] === word);
    if (matches && (best === undefined || words.length > best.verb.name.split(" ").length)) {
      best = { verb, rest: argv.slice(words.length) };
    }
  }
  return best;
}
