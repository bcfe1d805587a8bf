import type { DeploymentTaskSpec } from "../../api/v1alpha1/deployment-task.js";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import type { PlannedChecklistItem } from "../release/actions.js";
import { checklistFor } from "../release/checklists.js";
import { rollbackValidationTaskName } from "../release/names.js";
import { describeCause } from "./wording.js";

/** The RollbackValidation task to open once a Rollback task succeeded: its name, owner and spec. */
export interface ValidationTaskPlan {
  name: string;
  rollbackTask: string;
  release: { name: string; uid?: string | undefined };
  spec: {
    type: "RollbackValidation";
    title: string;
    description: string;
    releaseRef: { name: string };
    environment: string;
    owners: DeploymentTaskSpec["owners"];
    checklist: PlannedChecklistItem[];
  };
}

/**
 * The RollbackValidation task of a succeeded Rollback task (`<rollback task>-validation`), owned by the release's
 * rollback owner; pure. Undefined when the task names no release and environment or the Release is gone (the
 * validation task is the Release's child, so it needs the Release to exist).
 */
export function planValidationTask(
  task: { name: string; spec: DeploymentTaskSpec },
  release: { name: string; uid?: string | undefined; spec: ReleaseSpec } | undefined,
): ValidationTaskPlan | undefined {
  const environment = task.spec.environment;
  if (release === undefined || environment === undefined || task.spec.releaseRef?.name !== release.name) {
    return undefined;
  }
  const alert = task.spec.alert;
  const until =
    alert === undefined
      ? "the target is healthy on the previous revision"
      : `the target is healthy on the previous revision and ${describeCause(alert)} has resolved`;
  return {
    name: rollbackValidationTaskName(task.name),
    rollbackTask: task.name,
    release: { name: release.name, ...(release.uid === undefined ? {} : { uid: release.uid }) },
    spec: {
      type: "RollbackValidation",
      title: `Validate the rollback of ${release.name} in ${environment}`,
      description:
        `Rollback task ${task.name} succeeded. Stagegate completes this validation once ${until}; ` +
        "a person may validate it by hand instead.",
      releaseRef: { name: release.name },
      environment,
      owners: [release.spec.owners.rollbackOwner],
      checklist: checklistFor("RollbackValidation"),
    },
  };
}
