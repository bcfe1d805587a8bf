import { z } from "zod";
import {
  DeploymentTaskSpec,
  DeploymentTaskStatus,
  deploymentTaskKind,
} from "../../api/v1alpha1/deployment-task.js";
import { EnvironmentSpec, environmentKind } from "../../api/v1alpha1/environment.js";
import { ObjectMeta } from "../../api/v1alpha1/meta.js";
import { resourceOf } from "../../api/v1alpha1/resource-type.js";
import { currentOwners, ownership, rolesFor, type EnvironmentRoles } from "../../policy/task-ownership.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { reviewSelf } from "../../runtime/kube/self-review.js";
import { listAll } from "../change-control.js";
import { namespaceTeams } from "../namespace-teams.js";
import { ApiError, isForbidden, isNotFound } from "../../runtime/kube/api-error.js";
import {
  teamRoleBindingKind,
  teamRoleBindingSpecs,
  type TeamRoleBindingSpec,
} from "../../api/v1alpha1/team-role-binding.js";
import { CommandError, UsageError, describeApiError, explainApiErrors, serverMessage } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { withSession } from "../kube-session.js";
import { UNSET, formatTable, writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";

const FLAGS = {
  mine: {
    type: "boolean",
    help: "only tasks you own: by name (mine), or through a group or a coordination role you hold (shared)",
  },
  "all-namespaces": { type: "boolean", short: "A", help: "list tasks in every namespace" },
  open: { type: "boolean", help: "only tasks not yet Succeeded or Cancelled" },
} as const;

const TasksFlags = z.object({ mine: z.boolean(), allNamespaces: z.boolean(), open: z.boolean() });

/** Options of `stagegate tasks`. */
export type TasksOptions = GlobalOptions & z.infer<typeof TasksFlags>;

const TaskObject = z.looseObject({
  metadata: ObjectMeta,
  spec: DeploymentTaskSpec,
  status: DeploymentTaskStatus.optional(),
});
type TaskObject = z.infer<typeof TaskObject>;
const EnvironmentObject = z.looseObject({ metadata: ObjectMeta, spec: EnvironmentSpec });

/** One listed task, the shape of `-o json`. */
export interface TaskSummary {
  namespace: string;
  name: string;
  type: string;
  release: string | null;
  environment: string | null;
  phase: string | null;
  dueAt: string | null;
  escalation: number | null;
  /** `mine`, `shared via group qa, role QA`, or null without --mine. */
  ownership: string | null;
}

function summarize(task: TaskObject, owned: string | null): TaskSummary {
  return {
    namespace: task.metadata.namespace ?? "",
    name: task.metadata.name,
    type: task.spec.type,
    release: task.spec.releaseRef?.name ?? null,
    environment: task.spec.environment ?? null,
    phase: task.status?.phase ?? null,
    dueAt: task.status?.dueAt ?? null,
    escalation: task.status?.escalation?.level ?? null,
    ownership: owned,
  };
}

/** What `--mine` found: the rows, and the warning to print when role membership could not be read. */
interface TaskListing {
  rows: TaskSummary[];
  warning: string | undefined;
}

/** What the caller could read of who holds roles, and what the API server refused them, in its words. */
interface RoleBindingsRead {
  roles: Map<string, EnvironmentRoles>;
  refused: string | undefined;
  teams: TeamRoleBindingSpec[];
  teamsRefused: string | undefined;
}

/**
 * Lists with the caller's rights; a 403 is the server's message, a 404 (the kind not installed) is `missing` when
 * given, any other failure is the command's.
 */
async function listOrRefused<T>(
  what: string,
  read: () => Promise<T>,
  missing?: T,
): Promise<{ ok: true; value: T } | { ok: false; refused: string }> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (missing !== undefined && isNotFound(err)) return { ok: true, value: missing };
    if (!isForbidden(err)) throw new CommandError(describeApiError(err, what), { cause: err });
    return { ok: false, refused: serverMessage(err) };
  }
}

/**
 * The role bindings of every Environment the caller may list, and every TeamRoleBinding, or, when the API server
 * forbids listing either (a user not bound to stagegate-environment-viewer), the reason in words: the caller then
 * owns nothing through what they could not read. Any other failure is the command's.
 */
async function readRoleBindings(client: KubeClient): Promise<RoleBindingsRead> {
  const environments = await listOrRefused("list Environments (for the roles they bind)", () =>
    listAll(client, resourceOf(environmentKind), EnvironmentObject, undefined),
  );
  const teams = await listOrRefused(
    "list TeamRoleBindings (for the roles they bind)",
    () => listAll(client, resourceOf(teamRoleBindingKind), z.looseObject({}), undefined),
    [],
  );
  return {
    roles: new Map<string, EnvironmentRoles>(
      environments.ok ? environments.value.map((e) => [e.metadata.name, e.spec]) : [],
    ),
    refused: environments.ok ? undefined : environments.refused,
    teams: teams.ok ? teamRoleBindingSpecs(teams.value) : [],
    teamsRefused: teams.ok ? undefined : teams.refused,
  };
}

/** The note for namespaces whose team label the caller may not read, while bindings for every namespace exist. */
function unreadNamespacesNote(namespaces: readonly string[]): string {
  return (
    `Note: you may not get the Namespace${namespaces.length === 1 ? "" : "s"} ${namespaces.join(", ")}, so TeamRoleBindings ` +
    "that apply by the namespace's stagegate.io/team label are not counted there; tasks they share with you may be missing."
  );
}

/** The warning for tasks owned by a role whose members could not be read: which roles, why, and the fix. */
function unreadRolesWarning(
  refused: { what: string; said: string }[],
  tasks: number,
  roles: ReadonlySet<string>,
): string {
  const which = [...roles].sort().join(", ");
  return [
    ...refused.map(
      (r) =>
        `Warning: role membership could not be read because you may not get/list ${r.what} (the API server said: ${r.said}).`,
    ),
    `${tasks} task(s) owned by a coordination role (${which}) are not listed, though some may be shared with you.`,
    "Fix: ask a cluster administrator to bind the ClusterRole stagegate-environment-viewer to you (a",
    "ClusterRoleBinding, docs/rbac.md). Tasks you own as a user, through a group or by hand-over are listed.",
  ].join("\n");
}

/**
 * Lists the tasks of one namespace (or all), with --mine only those the caller owns: as a user, or through a group
 * or a coordination role of the task's Environment, per team for the team's namespaces, and of the team's
 * TeamRoleBindings (read from what the caller may read; a role in an Environment or binding they may not read
 * counts for nothing). A caller who may not list Environments or TeamRoleBindings still gets what is theirs by
 * user, group and hand-over (and by what they could read), and a warning for the role-owned rest.
 */
async function summarizeTasks(
  client: KubeClient,
  options: TasksOptions,
  namespace: string | undefined,
): Promise<TaskListing> {
  const tasks = await explainApiErrors("list DeploymentTasks", () =>
    listAll(client, resourceOf(deploymentTaskKind), TaskObject, namespace),
  );
  const open = tasks.filter(
    (t) => !options.open || (t.status?.phase !== "Succeeded" && t.status?.phase !== "Cancelled"),
  );
  const byName = (a: TaskSummary, b: TaskSummary) =>
    a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
  if (!options.mine) return { rows: open.map((t) => summarize(t, null)).sort(byName), warning: undefined };

  const me = await explainApiErrors("tell who you are", () => reviewSelf(client));
  const { roles, refused, teams, teamsRefused } = await readRoleBindings(client);
  const roleOwned = open.filter((t) => currentOwners(t.spec).some((o) => o.kind === "Role"));
  const nsTeams = await namespaceTeams(
    client,
    teams,
    roleOwned.flatMap((t) => (t.metadata.namespace === undefined ? [] : [t.metadata.namespace])),
  );
  const rows: TaskSummary[] = [];
  const unread = new Set<string>();
  let unreadTasks = 0;
  for (const t of open) {
    const owners = currentOwners(t.spec);
    const place = {
      environment: t.spec.environment,
      namespace: t.metadata.namespace,
      labels: t.metadata.labels,
      namespaceTeam: nsTeams.teams.get(t.metadata.namespace ?? ""),
    };
    const owned = ownership(owners, rolesFor(roles.get(t.spec.environment ?? ""), place, teams), me);
    if (owned !== undefined) {
      rows.push(summarize(t, owned.kind === "mine" ? "mine" : `shared via ${owned.via.join(", ")}`));
    } else if (
      (refused !== undefined || teamsRefused !== undefined) &&
      owners.some((o) => o.kind === "Role")
    ) {
      unreadTasks += 1;
      for (const o of owners) if (o.kind === "Role") unread.add(o.name);
    }
  }
  const said = [
    ...(refused === undefined ? [] : [{ what: "Environments", said: refused }]),
    ...(teamsRefused === undefined ? [] : [{ what: "TeamRoleBindings", said: teamsRefused }]),
  ];
  const warnings = [
    ...(unreadTasks > 0 ? [unreadRolesWarning(said, unreadTasks, unread)] : []),
    ...(nsTeams.refused.length > 0 ? [unreadNamespacesNote(nsTeams.refused.sort())] : []),
  ];
  const warning = warnings.length === 0 ? undefined : warnings.join("\n");
  return { rows: rows.sort(byName), warning };
}

function printTable(rows: readonly TaskSummary[], withNamespace: boolean, mine: boolean): string {
  const headers = [
    "NAME",
    "TYPE",
    "RELEASE",
    "ENVIRONMENT",
    "PHASE",
    "DUE",
    "ESCALATION",
    ...(mine ? ["OWNED"] : []),
  ];
  const body = rows.map((r) => [
    ...(withNamespace ? [r.namespace] : []),
    r.name,
    r.type,
    r.release ?? UNSET,
    r.environment ?? UNSET,
    r.phase ?? UNSET,
    r.dueAt ?? UNSET,
    r.escalation === null ? UNSET : String(r.escalation),
    ...(mine ? [r.ownership ?? UNSET] : []),
  ]);
  return formatTable(withNamespace ? ["NAMESPACE", ...headers] : headers, body);
}

/** `stagegate tasks`: lists DeploymentTasks; with --mine, what is yours and what your groups and roles share. */
export const tasksVerb: Verb<TasksOptions> = {
  name: "tasks",
  summary: "List DeploymentTasks, or only those you own or share through a group or role",
  usage: [
    "Usage: stagegate tasks [--mine] [--open] [-A] [flags]",
    "",
    "Lists DeploymentTasks with their type, release, environment, phase, due time and escalation level. With",
    "--mine, only the tasks you own: OWNED says mine (you are named) or shared via the groups and coordination",
    "roles (spec.roles, or spec.teamRoles for the team's namespaces, of the task's Environment, and the team's",
    "TeamRoleBindings) through which you own it, following hand-overs (stagegate tasks handover). Without the",
    "right to list Environments and TeamRoleBindings (ClusterRole stagegate-environment-viewer), roles cannot be",
    "read: the rest is listed, with a warning on stderr.",
    "",
    formatFlags(FLAGS),
    "",
    "Example:",
    "  stagegate tasks --mine --open -A",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("tasks", argv, env, FLAGS);
    expectPositionals(positionals, []);
    const flags = validateFlags(TasksFlags, {
      mine: values.mine === true,
      allNamespaces: values["all-namespaces"] === true,
      open: values.open === true,
    });
    if (flags.allNamespaces && global.namespace !== undefined) {
      throw new UsageError("--all-namespaces and --namespace cannot be used together: drop one of them.");
    }
    return { ...global, ...flags };
  },

  async run(options, io) {
    const { namespace, rows, warning } = await withSession(io, options.kubeconfig, async (session) => {
      const ns = options.allNamespaces ? undefined : (options.namespace ?? session.namespace);
      return { namespace: ns, ...(await summarizeTasks(session.client, options, ns)) };
    });
    if (warning !== undefined) io.stderr(`${warning}\n`);
    if (options.output === "json") {
      writeJson(io, rows);
    } else if (rows.length === 0) {
      const where = namespace === undefined ? "any namespace" : `namespace "${namespace}"`;
      io.stderr(
        options.mine ? `No task in ${where} is yours or shared with you.\n` : `No tasks in ${where}.\n`,
      );
    } else {
      io.stdout(printTable(rows, namespace === undefined, options.mine));
    }
    return EXIT.ok;
  },
};
