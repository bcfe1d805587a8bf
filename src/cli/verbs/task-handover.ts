import { z } from "zod";
import { DeploymentTaskSpec, deploymentTaskKind } from "../../api/v1alpha1/deployment-task.js";
import { ObjectMeta } from "../../api/v1alpha1/meta.js";
import { resourceOf } from "../../api/v1alpha1/resource-type.js";
import { CoordinationRole, type TaskOwner } from "../../api/v1alpha1/roles.js";
import { currentOwners } from "../../policy/task-ownership.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { parseServerObject } from "../change-control.js";
import { CommandError, UsageError, explainApiErrors } from "../errors.js";
import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";

const tasks = resourceOf(deploymentTaskKind);
const TaskObject = z.looseObject({ metadata: ObjectMeta, spec: DeploymentTaskSpec });
type TaskObject = z.infer<typeof TaskObject>;

const ownerText = (o: { kind: string; name: string }): string => `${o.kind.toLowerCase()}:${o.name}`;

/**
 * The owner `--to` names: `user:NAME`, `group:NAME` or `role:NAME` (a coordination role, any letter case).
 * Throws a UsageError naming the forms otherwise.
 */
export function parseOwnerFlag(value: string): TaskOwner {
  const colon = value.indexOf(":");
  const kind = colon < 0 ? "" : value.slice(0, colon).toLowerCase();
  const name = colon < 0 ? "" : value.slice(colon + 1);
  if (name !== "" && kind === "user") return { kind: "User", name };
  if (name !== "" && kind === "group") return { kind: "Group", name };
  if (name !== "" && kind === "role") {
    const role = CoordinationRole.options.find((r) => r.toLowerCase() === name.toLowerCase());
    if (role !== undefined) return { kind: "Role", name: role };
    throw new UsageError(`--to ${value}: the role must be one of ${CoordinationRole.options.join(", ")}.`);
  }
  throw new UsageError(`--to ${value}: write user:NAME, group:NAME or role:NAME.`);
}

async function readTask(client: KubeClient, namespace: string, name: string): Promise<TaskObject> {
  return explainApiErrors(`read DeploymentTask "${name}"`, async () =>
    parseServerObject(TaskObject, await client.get(tasks, name, namespace), "DeploymentTask"),
  );
}

/** Merge-patches `spec` at the resourceVersion read, so a concurrent hand-over makes this one fail, not vanish. */
async function patchTask(
  client: KubeClient,
  task: TaskObject,
  spec: Record<string, unknown>,
  action: string,
) {
  const patch = { metadata: { resourceVersion: task.metadata.resourceVersion }, spec };
  const namespace = task.metadata.namespace ?? "";
  return explainApiErrors(action, async () =>
    parseServerObject(
      TaskObject,
      await client.patch(tasks, task.metadata.name, namespace, patch, { type: "merge" }),
      "DeploymentTask",
    ),
  );
}

/** Options of `stagegate tasks ack`. */
export type TasksAckOptions = GlobalOptions & { task: string };

/** `stagegate tasks ack TASK`: acknowledges a task you own now; admission stamps who and when. */
export const tasksAckVerb: Verb<TasksAckOptions> = {
  name: "tasks ack",
  summary: "Acknowledge a DeploymentTask you own (the server records who and when)",
  usage: [
    "Usage: stagegate tasks ack TASK [flags]",
    "",
    "Acknowledges that you are working on TASK. Only a current owner may (named, through a group, or through a",
    "coordination role); the API server stamps your user name and its time in spec.acknowledgement. Once",
    "acknowledged, escalation levels stop notifying the owners, but the SLA still counts. A hand-over clears it.",
    "",
    formatFlags({}),
    "",
    "Example:",
    "  stagegate tasks ack smoke-tests -n payments",
  ].join("\n"),

  parse(argv, env) {
    const { global, positionals } = parseVerbArgs("tasks ack", argv, env, {});
    const [task = ""] = expectPositionals(positionals, ["TASK"]);
    return { ...global, task };
  },

  async run(options, io) {
    const stored = await withSession(io, options.kubeconfig, async (session) => {
      const namespace = options.namespace ?? session.namespace;
      const task = await readTask(session.client, namespace, options.task);
      const was = task.spec.acknowledgement;
      if (was !== undefined) {
        throw new CommandError(
          `DeploymentTask "${options.task}" was already acknowledged by ${was.by} at ${was.at}; an ` +
            "acknowledgement stands until the task is handed over.",
        );
      }
      return patchTask(session.client, task, { acknowledgement: {} }, `acknowledge "${options.task}"`);
    });
    const ack = stored.spec.acknowledgement;
    if (options.output === "json") {
      writeJson(io, {
        namespace: stored.metadata.namespace,
        name: stored.metadata.name,
        acknowledgement: ack,
      });
    } else {
      io.stdout(
        `DeploymentTask "${stored.metadata.name}" acknowledged by ${ack?.by ?? "?"} at ${ack?.at ?? "?"}.\n`,
      );
    }
    return EXIT.ok;
  },
};

const HANDOVER_FLAGS = {
  to: { type: "string", help: "the new owner: user:NAME, group:NAME or role:NAME" },
  reason: { type: "string", help: "why the work changes hands, for the new owner" },
} as const;

/** Options of `stagegate tasks handover`. */
export type TasksHandoverOptions = GlobalOptions & {
  task: string;
  to: TaskOwner;
  reason?: string | undefined;
};

/** `stagegate tasks handover TASK --to KIND:NAME`: hands a task you own now to another owner. */
export const tasksHandoverVerb: Verb<TasksHandoverOptions> = {
  name: "tasks handover",
  summary: "Hand a DeploymentTask you own over to a user, group or coordination role",
  usage: [
    "Usage: stagegate tasks handover TASK --to user:NAME|group:NAME|role:NAME [--reason TEXT] [flags]",
    "",
    "Appends a hand-over to TASK's spec.handovers: from then on the new owner, not spec.owners or an earlier",
    "hand-over, owns the task (completes its items, acknowledges it, hands it on). Only a current owner may; the",
    "API server stamps your user name and its time, and clears the acknowledgement.",
    "",
    formatFlags(HANDOVER_FLAGS),
    "",
    "Example:",
    "  stagegate tasks handover smoke-tests -n payments --to role:QA --reason 'on leave from Monday'",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("tasks handover", argv, env, HANDOVER_FLAGS);
    const [task = ""] = expectPositionals(positionals, ["TASK"]);
    if (typeof values.to !== "string")
      throw new UsageError("--to is required: user:NAME, group:NAME or role:NAME.");
    const reason = typeof values.reason === "string" ? values.reason : undefined;
    return { ...global, task, to: parseOwnerFlag(values.to), reason };
  },

  async run(options, io) {
    const { stored, from } = await withSession(io, options.kubeconfig, async (session) => {
      const namespace = options.namespace ?? session.namespace;
      const task = await readTask(session.client, namespace, options.task);
      const entry = { to: options.to, ...(options.reason === undefined ? {} : { reason: options.reason }) };
      const handovers = [...task.spec.handovers, entry];
      const patched = await patchTask(session.client, task, { handovers }, `hand "${options.task}" over`);
      return { stored: patched, from: currentOwners(task.spec) };
    });
    const last = stored.spec.handovers.at(-1);
    if (options.output === "json") {
      writeJson(io, { namespace: stored.metadata.namespace, name: stored.metadata.name, handover: last });
    } else {
      io.stdout(
        `DeploymentTask "${stored.metadata.name}" handed over from ${from.map(ownerText).join(", ")} to ` +
          `${last === undefined ? "?" : ownerText(last.to)} by ${last?.by ?? "?"} at ${last?.at ?? "?"}.\n`,
      );
    }
    return EXIT.ok;
  },
};
