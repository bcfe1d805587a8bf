import { releaseHref } from "./board-view.js";
import { acrossClusters, clusterNotices, fallbackOn, type ClusterView } from "./cluster-reads.js";
import { DeploymentsRelease, recentDeployments, rollbackLines, unapprovedLines } from "./deployments-view.js";
import { overdueTasks, stalledTasks } from "./overdue-view.js";
import { dashboardResources, layout, rowCluster, type Page, type PageContext } from "./pages.js";
import type { PageFilter } from "./query.js";
import type { Session } from "./sessions.js";
import { templates } from "./templates.js";
import { listVisible, type VisibleQuery } from "./visible.js";
import { WaitingTaskObject } from "./waiting-view.js";

function visibleQuery(filter: PageFilter, ctx: PageContext, view: ClusterView): VisibleQuery {
  return {
    namespaces: filter.namespaces,
    fallbackNamespaces: fallbackOn(view, ctx.fallbackNamespaces),
    labelSelector: filter.selector,
  };
}

/**
 * Overdue and stalled tasks across every namespace the user may list (as the user): what the operator marked
 * `Overdue` or `Stalled`, with its own sentences. Not only the user's own tasks: this is the escalation view.
 */
export async function overduePage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const reads = await acrossClusters(session, ctx.clusters, async (view) => {
    const tasks = await listVisible(
      view.session.client,
      dashboardResources.deploymentTask,
      WaitingTaskObject,
      visibleQuery(filter, ctx, view),
    );
    const cluster = rowCluster(ctx, view) === undefined ? {} : { cluster: view.cluster };
    return {
      overdue: overdueTasks(tasks.items).map((t) => ({ ...t, ...cluster })),
      stalled: stalledTasks(tasks.items).map((t) => ({ ...t, ...cluster })),
      notices: clusterNotices(ctx.clusters, view, tasks.notices),
    };
  });
  const body = templates.overdue({
    overdue: reads.results.flatMap((r) => r.value.overdue),
    stalled: reads.results.flatMap((r) => r.value.stalled),
    notices: [...reads.results.flatMap((r) => r.value.notices), ...reads.notices],
    namespace: filter.namespaces.join(","),
    selector: filter.selector,
  });
  return {
    status: 200,
    html: layout("Overdue and stalled", body, session, { onOverdue: true, notSignedIn: reads.notSignedIn }),
  };
}

/** Recent deployments, rollbacks and unapproved deployments, from what the operator recorded, read as the user. */
export async function deploymentsPage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const reads = await acrossClusters(session, ctx.clusters, async (view) => {
    const query = visibleQuery(filter, ctx, view);
    const { client } = view.session;
    const releases = await listVisible(client, dashboardResources.release, DeploymentsRelease, query);
    const tasks = await listVisible(client, dashboardResources.deploymentTask, WaitingTaskObject, query);
    const place = rowCluster(ctx, view);
    // Each line names its cluster, and its link opens the release on that cluster.
    const placed = <T extends { namespace: string; release: string }>(line: T) =>
      place === undefined
        ? line
        : { ...line, cluster: place.name, href: releaseHref(line.namespace, line.release, place) };
    return {
      unapproved: unapprovedLines(releases.items).map(placed),
      deployments: recentDeployments(releases.items).map(placed),
      rollbacks: rollbackLines(tasks.items).map((t) =>
        place === undefined ? t : { ...t, cluster: place.name },
      ),
      notices: clusterNotices(ctx.clusters, view, [...releases.notices, ...tasks.notices]),
    };
  });
  const newestFirst = (a: { at?: string; openedAt?: string }, b: { at?: string; openedAt?: string }) =>
    (b.at ?? b.openedAt ?? "").localeCompare(a.at ?? a.openedAt ?? "");
  const body = templates.deployments({
    unapproved: reads.results.flatMap((r) => r.value.unapproved),
    deployments: reads.results.flatMap((r) => r.value.deployments).sort(newestFirst),
    rollbacks: reads.results.flatMap((r) => r.value.rollbacks).sort(newestFirst),
    notices: [...reads.results.flatMap((r) => r.value.notices), ...reads.notices],
    namespace: filter.namespaces.join(","),
    selector: filter.selector,
  });
  return {
    status: 200,
    html: layout("Deployments", body, session, { onDeployments: true, notSignedIn: reads.notSignedIn }),
  };
}
