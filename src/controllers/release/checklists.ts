import type { TaskType } from "../../api/v1alpha1/deployment-task.js";
import type { PlannedChecklistItem } from "./actions.js";

const item = (name: string, description: string, requiresEvidence = false): PlannedChecklistItem => ({
  name,
  description,
  required: true,
  requiresEvidence,
});

/**
 * The checklist each kind of check opens with. Security scans and user acceptance only count with evidence
 * attached (a report, a sign-off record), because auditors ask for exactly those.
 */
const CHECKLISTS: Record<TaskType, readonly PlannedChecklistItem[]> = {
  Checklist: [item("steps-done", "Work through the release's checklist for this environment.")],
  SecurityScan: [
    item("scan-run", "Scan the release's images and dependencies; attach the scan report.", true),
    item(
      "findings-triaged",
      "Fix or accept every high and critical finding; attach the triage record.",
      true,
    ),
  ],
  ConfigDrift: [
    item("drift-checked", "Compare the environment's live configuration with the declared one."),
    item("drift-resolved", "Reconcile or explain every difference found."),
  ],
  EnvironmentReadiness: [
    item("capacity-confirmed", "Confirm the environment has the capacity the release needs."),
    item(
      "dependencies-ready",
      "Confirm databases, queues and external services the release needs are ready.",
    ),
    item("monitoring-ready", "Confirm dashboards and alerts cover the release."),
  ],
  UserAcceptance: [
    item("acceptance-tests-passed", "Run the acceptance tests; attach their results.", true),
    item("business-sign-off", "Record the business owner's sign-off; attach it.", true),
  ],
  Rollback: [item("rolled-back", "Roll the environment back to the previous revision.")],
  RollbackValidation: [item("rollback-validated", "Verify the environment works on the previous revision.")],
  PostDeployVerification: [
    item("smoke-tests-passed", "Run the smoke tests against the deployed release."),
    item("metrics-healthy", "Confirm error rates and latency are within their baselines."),
  ],
  PostImplementationReview: [item("review-held", "Review how the change went and record follow-ups.")],
  Coordination: [item("parties-informed", "Inform every team affected by the release and agree the timing.")],
};

/** The item of a PostDeployVerification task that Stagegate completes from its Prometheus measurements. */
export const MEASURED_ITEM = "metrics-healthy";

/**
 * A fresh copy of the checklist a check of `type` opens with. Where the Environment declares Prometheus checks
 * (`measured`), post-deployment verification is Stagegate's to do: its checklist is the measured item alone.
 */
export function checklistFor(type: TaskType, measured = false): PlannedChecklistItem[] {
  if (type === "PostDeployVerification" && measured) {
    return [
      item(
        MEASURED_ITEM,
        "Stagegate measures the Environment's verification checks against Prometheus through the window.",
      ),
    ];
  }
  return CHECKLISTS[type].map((entry) => ({ ...entry }));
}
