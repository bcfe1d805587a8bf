import type { Condition } from "../../api/v1alpha1/condition.js";
import type { ArchiveClass } from "./document.js";

/** The parts of an object that say whether it is closed. */
interface ObjectState {
  metadata: { generation?: number | undefined };
  status?: unknown;
}

interface StatusShape {
  conditions?: Condition[];
  closedAt?: string;
}

/**
 * When a record closed, or undefined while it is open. A Release closes when its `Ready` condition is True with
 * reason `Complete` for its current generation (Verified in every environment of its pipeline: nothing more will
 * happen to it); a ChangeRequest when `status.closedAt` is set (rejected, expired, or approved and used); a
 * DeploymentTask when its `Succeeded` condition is True or False (succeeded, failed or cancelled). Pure.
 */
export function closedAt(archiveClass: ArchiveClass, obj: ObjectState): Date | undefined {
  const status = (obj.status ?? {}) as StatusShape;
  switch (archiveClass) {
    case "change":
      return status.closedAt === undefined ? undefined : validDate(status.closedAt);
    case "release": {
      const ready = status.conditions?.find((c) => c.type === "Ready");
      const current =
        ready?.observedGeneration === undefined || ready.observedGeneration === obj.metadata.generation;
      if (ready?.status !== "True" || ready.reason !== "Complete" || !current) return undefined;
      return validDate(ready.lastTransitionTime);
    }
    case "task": {
      const succeeded = status.conditions?.find((c) => c.type === "Succeeded");
      if (succeeded?.status !== "True" && succeeded?.status !== "False") return undefined;
      return validDate(succeeded.lastTransitionTime);
    }
  }
}

function validDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
