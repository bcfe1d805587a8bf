import type { TaskType } from "../api/v1alpha1/deployment-task.js";
import { checkTaskName } from "../controllers/release/names.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import { EventRejected } from "./answer.js";
import { ensureCheckTasks, eventBinding } from "./check-tasks.js";
import type { ItemOutcome } from "./checklist-decision.js";
import { readEventEnvironment, readEventRelease, type EventRelease } from "./event-subjects.js";
import { checklistEffect } from "./pipeline-effects.js";
import type { PipelineEvent } from "./pipeline-event.js";
import { writeChecklist } from "./task-checklist.js";

/** What an event did to one task. */
export interface TaskResult {
  name: string;
  change: "Created" | "Exists" | "Updated" | "Unchanged";
  items?: ItemOutcome[];
}

/** What an accepted event did: Applied when anything changed, Unchanged for a repeat; with a sentence. */
export interface EventResult {
  outcome: "Applied" | "Unchanged";
  message: string;
  release: EventRelease;
  tasks: TaskResult[];
}

async function promoteBuild(
  client: KubeClient,
  event: Extract<PipelineEvent, { type: "io.stagegate.build.promoted" }>,
  opts: CallOptions,
): Promise<EventResult> {
  const { environment } = event.data;
  const release = await readEventRelease(client, event.data.release, environment, opts);
  const env = await readEventEnvironment(client, environment, opts);
  const ensured = await ensureCheckTasks(client, release, environment, env, opts);
  const tasks: TaskResult[] = [
    ...ensured.created.map((name) => ({ name, change: "Created" as const })),
    ...ensured.existing.map((name) => ({ name, change: "Exists" as const })),
  ];
  const message =
    tasks.length === 0
      ? `Environment ${environment} requires no checks, so there is no task to open.`
      : ensured.created.length === 0
        ? `Every check task of ${environment} already exists: ${ensured.existing.join(", ")}.`
        : `Opened ${ensured.created.join(", ")}.`;
  return { outcome: ensured.created.length > 0 ? "Applied" : "Unchanged", message, release, tasks };
}

/** The refusal of an event for a check the Environment does not require: there is no task to complete. */
function checkNotRequired(release: EventRelease, environment: string, type: TaskType): EventRejected {
  return new EventRejected(
    422,
    "CheckNotRequired",
    `Environment ${environment} does not require ${type} (spec.gate.requiredChecks), so there is no ${type} task ` +
      `of ${release.namespace}/${release.name} to complete; add ${type} to the Environment's required checks if ` +
      "it should.",
  );
}

/** The refusal of an event whose task has not been opened yet. */
function taskNotOpened(
  release: EventRelease,
  environment: string,
  type: TaskType,
  name: string,
): EventRejected {
  return new EventRejected(
    409,
    "TaskNotOpened",
    `DeploymentTask ${release.namespace}/${name} (${type} of release ${release.name} in ${environment}) does ` +
      `not exist yet: send io.stagegate.build.promoted for ${environment} first, or wait until the release ` +
      "reaches it.",
  );
}

async function completeTask(
  client: KubeClient,
  event: Exclude<PipelineEvent, { type: "io.stagegate.build.promoted" }>,
  opts: CallOptions,
): Promise<EventResult> {
  const { environment } = event.data;
  const release = await readEventRelease(client, event.data.release, environment, opts);
  const effect = checklistEffect(event);
  const env = await readEventEnvironment(client, environment, opts);
  if (!env.gate.requiredChecks.includes(effect.taskType)) {
    throw checkNotRequired(release, environment, effect.taskType);
  }
  const name = checkTaskName(eventBinding(release, environment), effect.taskType);
  const task = { namespace: release.namespace, name, type: effect.taskType };
  const written = await writeChecklist(client, task, effect.updates, opts);
  if (written === undefined) {
    throw taskNotOpened(release, environment, effect.taskType, name);
  }
  const acted = written.items.filter((i) => i.change === "Updated" || i.change === "Unchanged");
  if (acted.length === 0) {
    const reasons = written.items.flatMap((i) => ("reason" in i ? [i.reason] : []));
    throw new EventRejected(
      409,
      "ItemsAlreadyDecided",
      `Nothing changed on ${release.namespace}/${name}: ${reasons.join("; ")}.`,
    );
  }
  const updated = written.items.filter((i) => i.change === "Updated").map((i) => i.name);
  const message = written.changed
    ? `Updated ${updated.join(", ")} on ${name}.`
    : `${name} already records this event; nothing changed.`;
  return {
    outcome: written.changed ? "Applied" : "Unchanged",
    message,
    release,
    tasks: [{ name, change: written.changed ? "Updated" : "Unchanged", items: written.items }],
  };
}

/**
 * Acts on a parsed pipeline event against the API server: a promoted build opens the environment's check
 * tasks, a finished scan or test run updates its task's checklist. Refusals (a missing Release, a task not
 * opened, items already decided) are thrown as EventRejected; API failures are thrown as they are.
 */
export function actOnEvent(
  client: KubeClient,
  event: PipelineEvent,
  opts: CallOptions = {},
): Promise<EventResult> {
  return event.type === "io.stagegate.build.promoted"
    ? promoteBuild(client, event, opts)
    : completeTask(client, event, opts);
}
