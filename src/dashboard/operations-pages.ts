import { DeploymentsRelease, recentDeployments, rollbackLines, unapprovedLines } from "./deployments-view.js";
import { overdueTasks, stalledTasks } from "./overdue-view.js";
import { dashboardResources, layout, type Page, type PageContext } from "./pages.js";
import type { PageFilter } from "./query.js";
import type { Session } from "./sessions.js";
import { templates } from "./templates.js";
import { listVisible, type VisibleQuery } from "./visible.js";
import { WaitingTaskObject } from "./waiting-view.js";

function visibleQuery(filter: PageFilter, ctx: PageContext): VisibleQuery {
  return {
    namespaces: filter.namespaces,
    fallbackNamespaces: ctx.fallbackNamespaces,
    labelSelector: filter.selector,
  };
}

/**
 * Overdue and stalled tasks across every namespace the user may list (as the user): what the operator marked
 * `Overdue` or `Stalled`, with its own sentences. Not only the user's own tasks: this is the escalation view.
 */
export async function overduePage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const tasks = await listVisible(
    session.client,
    dashboardResources.deploymentTask,
    WaitingTaskObject,
    visibleQuery(filter, ctx),
  );
  const body = templates.overdue({
    overdue: overdueTasks(tasks.items),
    stalled: stalledTasks(tasks.items),
    notices: tasks.notices,
    namespace: filter.namespaces.join(","),
    selector: filter.selector,
  });
  return { status: 200, html: layout("Overdue and stalled", body, session, { onOverdue: true }) };
}

/** Recent deployments, rollbacks and unapproved deployments, from what the operator recorded, read as the user. */
export async function deploymentsPage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const query = visibleQuery(filter, ctx);
  const releases = await listVisible(session.client, dashboardResources.release, DeploymentsRelease, query);
  const tasks = await listVisible(
    session.client,
    dashboardResources.deploymentTask,
    WaitingTaskObject,
    query,
  );
  const body = templates.deployments({
    unapproved: unapprovedLines(releases.items),
    deployments: recentDeployments(releases.items),
    rollbacks: rollbackLines(tasks.items),
    notices: [...releases.notices, ...tasks.notices],
    namespace: filter.namespaces.join(","),
    selector: filter.selector,
  });
  return { status: 200, html: layout("Deployments", body, session, { onDeployments: true }) };
}
