// Reading the rollback's story from the operator's audit trail and the Events it recorded, for the
// Prometheus-driven rollback end-to-end test.
import type { StoredAuditEntry } from "../../src/audit/entry.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";

/** The actions that tell how an alert opened, drove and closed a rollback. */
const ROLLBACK_ACTIONS: ReadonlySet<string> = new Set([
  "RollbackTaskOpened",
  "RollbackStarted",
  "RollbackHeld",
  "RollbackCompleted",
  "AlertResolved",
  "RollbackValidated",
]);

/** The rollback steps about the given tasks in trail order, as `Action actor task`. */
export function storyOf(entries: readonly StoredAuditEntry[], tasks: readonly string[]): string[] {
  return entries
    .filter(
      (e) =>
        e.object.kind === "DeploymentTask" && tasks.includes(e.object.name) && ROLLBACK_ACTIONS.has(e.action),
    )
    .map((e) => `${e.action} ${e.actor} ${e.object.name}`);
}

/** The entries of one Rollback task by action (the first of each), for assertions on their details. */
export function rollbackStory(
  entries: readonly StoredAuditEntry[],
  task: string,
): Partial<Record<"opened" | "started" | "completed" | "resolved", StoredAuditEntry>> {
  const first = (action: string) => entries.find((e) => e.action === action && e.object.name === task);
  return {
    opened: first("RollbackTaskOpened"),
    started: first("RollbackStarted"),
    completed: first("RollbackCompleted"),
    resolved: first("AlertResolved"),
  };
}

/** The Warning Events with `reason` recorded about the DeploymentTask `name`. */
export async function warningEvents(
  client: KubeClient,
  namespace: string,
  name: string,
  reason: string,
): Promise<{ note?: string }[]> {
  const { items } = await client.list(builtin.event, { namespace });
  return items.filter((event) => {
    const e = event as unknown as {
      regarding?: { kind?: string; name?: string };
      reason?: string;
      type?: string;
    };
    return (
      e.regarding?.kind === "DeploymentTask" &&
      e.regarding.name === name &&
      e.reason === reason &&
      e.type === "Warning"
    );
  }) as { note?: string }[];
}
