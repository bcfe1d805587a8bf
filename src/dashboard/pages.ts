import { approvalKind } from "../api/v1alpha1/approval.js";
import { deploymentTaskKind } from "../api/v1alpha1/deployment-task.js";
import { releaseKind } from "../api/v1alpha1/release.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import { ApprovalObject } from "../cli/change-control.js";
import { describeApiError } from "../cli/errors.js";
import { currentOwners } from "../policy/task-ownership.js";
import { ApiError } from "../runtime/kube/api-error.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import {
  BoardRelease,
  boardRows,
  releaseHref,
  releaseRow,
  type ReleaseRow,
  type RowCluster,
} from "./board-view.js";
import {
  acrossClusters,
  clusterNotices,
  fallbackOn,
  namedView,
  type ClusterView,
  type NotSignedIn,
} from "./cluster-reads.js";
import { isMultiCluster, type ClusterDirectory } from "./clusters.js";
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
  /** The home cluster's name and the other clusters (ADR 0057); none for a one-cluster dashboard. */
  clusters?: ClusterDirectory;
}

/** One live-update stream of a page: its URL, the id of the line that tells its state, and its cluster (not home). */
export interface LiveStream {
  url: string;
  statusId: string;
  cluster?: string;
}

/** The row's cluster on a dashboard of more than one cluster; undefined on a one-cluster dashboard. */
export function rowCluster(ctx: PageContext, view: ClusterView): RowCluster | undefined {
  return isMultiCluster(ctx.clusters) ? { name: view.cluster, home: view.home } : undefined;
}

/** The live stream of `filter` on one cluster: the home's line keeps the one-cluster id (`live-status`). */
export function liveStream(filter: PageFilter, view: ClusterView): LiveStream {
  if (view.home) return { url: `/events${filterQuery(filter)}`, statusId: "live-status" };
  const query = filterQuery(filter);
  const cluster = `cluster=${encodeURIComponent(view.cluster)}`;
  return {
    url: `/events${query === "" ? `?${cluster}` : `${query}&${cluster}`}`,
    statusId: `live-status-${view.cluster}`,
    cluster: view.cluster,
  };
}

/** Wraps a page body in the layout: navigation, the signed-in user, the sign-out form. */
export function layout(
  title: string,
  body: string,
  session: Session | undefined,
  extra: {
    live?: LiveStream[];
    /** The body shows the live status lines itself (the board, under its notices). */
    liveInBody?: boolean;
    notSignedIn?: NotSignedIn[];
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
    live: extra.live?.length === 0 ? undefined : extra.live,
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

/** Rows of several clusters in the board's order: namespace, name, then cluster. */
function byPlace(a: ReleaseRow, b: ReleaseRow): number {
  return (
    a.namespace.localeCompare(b.namespace) ||
    a.name.localeCompare(b.name) ||
    (a.cluster ?? "").localeCompare(b.cluster ?? "")
  );
}

/**
 * The pipeline board: every release the user may list (filtered) on every cluster they are signed in to, one row
 * each with its cluster, and one live-update stream per cluster.
 */
export async function boardPage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  const reads = await acrossClusters(session, ctx.clusters, async (view) => {
    const visible = await listVisible(view.session.client, dashboardResources.release, BoardRelease, {
      namespaces: filter.namespaces,
      fallbackNamespaces: fallbackOn(view, ctx.fallbackNamespaces),
      labelSelector: filter.selector,
    });
    return {
      rows: boardRows(visible.items, rowCluster(ctx, view)),
      notices: clusterNotices(ctx.clusters, view, visible.notices),
    };
  });
  const live = reads.results.map((r) => liveStream(filter, r.view));
  const body = templates.board({
    rows: reads.results.flatMap((r) => r.value.rows).sort(byPlace),
    notices: [...reads.results.flatMap((r) => r.value.notices), ...reads.notices],
    namespace: filter.namespaces.join(","),
    selector: filter.selector,
    live,
  });
  return {
    status: 200,
    html: layout("Pipeline board", body, session, {
      live,
      liveInBody: true,
      onBoard: true,
      notSignedIn: reads.notSignedIn,
    }),
  };
}

/**
 * "Waiting for me": approvals awaiting the user's decision, and the open tasks the user owns or shares through a
 * group or a coordination role (the Environments' roles are read only when a task names a Role owner).
 */
export async function waitingPage(session: Session, filter: PageFilter, ctx: PageContext): Promise<Page> {
  // On each cluster, as whom that cluster says the person is: eligibility and ownership are judged by that name.
  const reads = await acrossClusters(session, ctx.clusters, async (view) => {
    const { client, identity } = view.session;
    const query = {
      namespaces: filter.namespaces,
      fallbackNamespaces: fallbackOn(view, ctx.fallbackNamespaces),
      labelSelector: filter.selector,
    };
    const approvals = await listVisible(client, dashboardResources.approval, ApprovalObject, query);
    const tasks = await listVisible(client, dashboardResources.deploymentTask, WaitingTaskObject, query);
    const byRole = tasks.items.some((task) =>
      currentOwners(task.spec).some((owner) => owner.kind === "Role"),
    );
    const roles = byRole
      ? await environmentRoles(
          client,
          tasks.items.flatMap((task) =>
            task.metadata.namespace === undefined ? [] : [task.metadata.namespace],
          ),
        )
      : { roles: new Map(), teams: [], namespaceTeams: new Map(), notices: [] };
    const place = rowCluster(ctx, view);
    const cluster =
      place === undefined ? {} : { cluster: place.name, ...(place.home ? {} : { act: place.name }) };
    return {
      approvals: waitingApprovals(approvals.items, identity).map((a) => ({ ...a, ...cluster })),
      tasks: waitingTasks(tasks.items, identity, ctx.now(), roles.roles, roles).map((t) => ({
        ...t,
        ...cluster,
      })),
      notices: clusterNotices(ctx.clusters, view, [...approvals.notices, ...tasks.notices, ...roles.notices]),
    };
  });
  const body = templates.waiting({
    approvals: reads.results.flatMap((r) => r.value.approvals),
    tasks: reads.results.flatMap((r) => r.value.tasks),
    notices: [...reads.results.flatMap((r) => r.value.notices), ...reads.notices],
    csrf: session.csrf,
  });
  return {
    status: 200,
    html: layout("Waiting for me", body, session, { onWaiting: true, notSignedIn: reads.notSignedIn }),
  };
}

/** One release: its state per environment with the gate's reasons, step times, conditions and Events. */
export async function releasePage(
  home: Session,
  namespace: string,
  name: string,
  ctx: PageContext,
  cluster?: string,
): Promise<Page> {
  const view = namedView(home, ctx.clusters, cluster);
  const session = view.session;
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
  const place = rowCluster(ctx, view);
  const live = [liveStream({ namespaces: [namespace], selector: "", requirements: [] }, view)];
  const body = templates.release({
    live,
    row: releaseRow(release, place),
    retroHref: releaseHref(namespace, name, place, "/retro"),
    times: environmentTimes(release),
    conditions: conditionLines(raw),
    events: eventLines(events, release.metadata.uid),
    notices,
  });
  return { status: 200, html: layout(`Release ${name}`, body, home, { live, liveInBody: true }) };
}
