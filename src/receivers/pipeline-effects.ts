import type { Evidence, TaskType } from "../api/v1alpha1/deployment-task.js";
import type { ItemUpdate } from "./checklist-decision.js";
import type { EventOrigin, PipelineEvent } from "./pipeline-event.js";

/** What a completing event does: the check task it concerns and the items it sets. */
export interface ChecklistEffect {
  taskType: TaskType;
  updates: ItemUpdate[];
}

type CompletingEvent = Exclude<PipelineEvent, { type: "io.stagegate.build.promoted" }>;

/** The actor of a pipeline event: the name of the token it came with, never the source the payload claims. */
const by = (origin: EventOrigin): string => `pipeline:${origin.sender}`;
const received = (what: string, origin: EventOrigin): string =>
  `${what} (CloudEvent ${origin.id} from ${origin.source}).`;

function optional(uri: string | undefined, digest: string | undefined): Pick<Evidence, "uri" | "digest"> {
  return { ...(uri === undefined ? {} : { uri }), ...(digest === undefined ? {} : { digest }) };
}

function scanEffect(event: Extract<PipelineEvent, { type: "io.stagegate.scan.finished" }>): ChecklistEffect {
  const { data, origin } = event;
  const evidence: Evidence = {
    ...optional(data.uri, data.digest),
    result: data.result,
    notes: received(`The security scan finished: ${data.result}`, origin),
  };
  const state = data.result === "Passed" ? "Done" : data.result === "Failed" ? "Failed" : "Pending";
  const updates: ItemUpdate[] = [
    { name: "scan-run", state, evidence, ...(state === "Pending" ? {} : { completedBy: by(origin) }) },
  ];
  const clean = data.findings !== undefined && data.findings.critical === 0 && data.findings.high === 0;
  if (data.result === "Passed" && clean) {
    updates.push({
      name: "findings-triaged",
      state: "Done",
      evidence: {
        ...optional(data.uri, data.digest),
        result: "Passed",
        notes: received(
          "The scan reported no critical and no high findings, so there is nothing to triage",
          origin,
        ),
      },
      completedBy: by(origin),
    });
  }
  return { taskType: "SecurityScan", updates };
}

function testsEffect(
  event: Extract<PipelineEvent, { type: `io.stagegate.tests.${string}` }>,
): ChecklistEffect {
  const { data, origin } = event;
  const passed = event.type === "io.stagegate.tests.passed";
  const outcome = passed ? "passed" : "failed";
  const update: ItemUpdate = {
    name: data.suite === "smoke" ? "smoke-tests-passed" : "acceptance-tests-passed",
    state: passed ? "Done" : "Failed",
    evidence: {
      ...optional(data.uri, data.digest),
      result: passed ? "Passed" : "Failed",
      notes: received(`The ${data.suite} tests ${outcome}`, origin),
    },
    completedBy: by(origin),
  };
  return {
    taskType: data.suite === "smoke" ? "PostDeployVerification" : "UserAcceptance",
    updates: [update],
  };
}

/**
 * The checklist change an event asks for: a finished scan sets `scan-run` (Done, Failed, or Pending with the
 * evidence when inconclusive) and, for a clean pass, `findings-triaged`; a test run sets the smoke or acceptance
 * item of the post-deploy verification or user acceptance task. Evidence notes name the event and its source.
 */
export function checklistEffect(event: CompletingEvent): ChecklistEffect {
  return event.type === "io.stagegate.scan.finished" ? scanEffect(event) : testsEffect(event);
}
