import { approvalKind } from "../api/v1alpha1/approval.js";
import { deploymentTaskKind } from "../api/v1alpha1/deployment-task.js";
import { releaseKind } from "../api/v1alpha1/release.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import { ApprovalObject } from "../cli/change-control.js";
import { describeApiError } from "../cli/errors.js";
import { currentOwners } from "../policy/task-ownership.js";
import { ApiError } from "../runtime/kube/api-error.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import { BoardRelease, boardRows, releaseRow } from "./board-view.js";
import { environmentRoles } from "./environment-roles.js";
import { filterQuery, type PageFilter } from "./query.js";
import { CoreEvent, conditionLines, environmentTimes, eventLines } from "./release-view.js";
import type { Session } from "./sessions.js";
import { templates } from "./templates.js";
import { listVisible } from "./visible.js";
import { WaitingTaskObject, waitingApprovals, waitingTasks } from "./waiting-view.js";

/** The resources the dashboard reads, always with the signed-in user's own client. */
export const dashboardResources = {
  release: resourceOf(releaseKind),
  approval: resourceOf(approvalKind),
  deploymentTask: resourceOf(deploymentTaskKind),
  event: { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true },
} as const satisfies Record<string, ResourceType>;

/** An HTML answer. */
export interface Page {
  status: number;
  html: string;
}

/** What every page needs besides the session: the namespaces to fall back to when cluster-wide listing is refused. */
export interface PageContext {
  fallbackNamespaces: readonly string[];
  now: () => Date;
}

/** Wraps a page body in the layout: navigation, the signed-in user, the sign-out form. */
export function layout(
  title: string,
  body: string,
  session: Session | undefined,
  extra: {
    live?: string;
    onBoard?: boolean;
    onWaiting?: boolean;
    onOverdue?: boolean;
    onDeployments?: boolean;
    onInsights?: boolean;
  } = {},
): string {
  return templates.layout({
    title,
    body,
    user: session?.identity.username,
    csrf: session?.csrf,
    ...extra,
  });
}

/** A page that says what happened in words: a refusal, an error, or a decision recorded. */
export function resultPage(
  status: number,
  heading: string,
  message: string,
  session: Session | undefined,
  back = "/",
): Page {
  const ok = status < 400;
  return { status, html: layout(heading, templates.result({ heading, message, ok, back }), session) };
}

/** The pipeline board: every release the user may list (filtered), one row each, with live updates. */
export async function boardPage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const visible = await listVisible(session.client, dashboardResources.release, BoardRelease, {
    namespaces: filter.namespaces,
    fallbackNamespaces: ctx.fallbackNamespaces,
    labelSelector: filter.selector,
  });
  const body = templates.board({
    rows: boardRows(visible.items),
    notices: visible.notices,
    namespace: filter.namespaces.join(","),
    selector: filter.selector,
  });
  const live = `/events${filterQuery(filter)}`;
  return { status: 200, html: layout("Pipeline board", body, session, { live, onBoard: true }) };
}

/**
 * "Waiting for me": approvals awaiting the user's decision, and the open tasks the user owns or shares through a
 * group or a coordination role (the Environments' roles are read only when a task names a Role owner).
 */
export async function waitingPage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const query = {
    namespaces: filter.namespaces,
    fallbackNamespaces: ctx.fallbackNamespaces,
    labelSelector: filter.selector,
  };
  const approvals = await listVisible(session.client, dashboardResources.approval, ApprovalObject, query);
  const tasks = await listVisible(
    session.client,
    dashboardResources.deploymentTask,
    WaitingTaskObject,
    query,
  );
  const byRole = tasks.items.some((task) => currentOwners(task.spec).some((owner) => owner.kind === "Role"));
  const roles = byRole
    ? await environmentRoles(
        session.client,
        tasks.items.flatMap((task) =>
          task.metadata.namespace === undefined ? [] : [task.metadata.namespace],
        ),
      )
    : { roles: new Map(), teams: [], namespaceTeams: new Map(), notices: [] };
  const body = templates.waiting({
    approvals: waitingApprovals(approvals.items, session.identity),
    tasks: waitingTasks(tasks.items, session.identity, ctx.now(), roles.roles, roles),
    notices: [...approvals.notices, ...tasks.notices, ...roles.notices],
    csrf: session.csrf,
  });
  return { status: 200, html: layout("Waiting for me", body, session, { onWaiting: true }) };
}

/** One release: its state per environment with the gate's reasons, step times, conditions and Events. */
export async function releasePage(session: Session, namespace: string, name: string): Promise<Page> {
  const raw = await session.client.get(dashboardResources.release, name, namespace);
  const release = BoardRelease.parse(raw);
  const notices: string[] = [];
  let events: CoreEvent[] = [];
  try {
    const page = await session.client.list(dashboardResources.event, {
      namespace,
      fieldSelector: `involvedObject.kind=Release,involvedObject.name=${name}`,
      limit: 500,
    });
    events = page.items.flatMap((item) => {
      const parsed = CoreEvent.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    notices.push(describeApiError(error, `list the Events of release "${name}"`));
  }
  const body = templates.release({
    row: releaseRow(release),
    times: environmentTimes(release),
    conditions: conditionLines(raw),
    events: eventLines(events, release.metadata.uid),
    notices,
  });
  const live = `/events${filterQuery({ namespaces: [namespace], selector: "", requirements: [] })}`;
  return { status: 200, html: layout(`Release ${name}`, body, session, { live }) };
}
