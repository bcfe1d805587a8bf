import type { ServerResponse } from "node:http";
import { ApiError } from "../runtime/kube/api-error.js";
import type { WatchHandle } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { describeApiError } from "../cli/errors.js";
import { BoardRelease, releaseRow, rowId, type RowCluster } from "./board-view.js";
import { fallbackOn, type ClusterView } from "./cluster-reads.js";
import { dashboardResources, rowCluster, type PageContext } from "./pages.js";
import type { PageFilter } from "./query.js";
import { matchesSelector } from "./selector.js";
import { refuseCluster, type Session } from "./sessions.js";
import { templates } from "./templates.js";
import { listVisible } from "./visible.js";

/** How long one watch runs before the API server ends it; the browser then reconnects and the rows are sent anew. */
const WATCH_SECONDS = 300;

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function sendRow(res: ServerResponse, release: BoardRelease, cluster: RowCluster | undefined): void {
  const row = releaseRow(release, cluster);
  send(res, "row", { id: row.rowId, html: templates.row({ row }) });
}

/**
 * Answers a live stream whose cluster (not the home one) cannot be listed: a 401 signs the session out of that
 * cluster only and ends its stream (`ended`); anything else says the cluster is unavailable (`notice`) and ends the
 * response, so the browser retries. The home session and the other clusters' streams are untouched.
 */
function answerUnreadableCluster(
  res: ServerResponse,
  home: Session,
  view: ClusterView,
  error: unknown,
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  res.write("retry: 5000\n\n");
  if (error instanceof ApiError && error.status === 401) {
    const message = `Cluster ${view.cluster} no longer accepts your token for it; reload the page to add a token that cluster accepts.`;
    refuseCluster(home, view.cluster, message);
    send(res, "ended", { message });
  } else {
    const why =
      error instanceof ApiError ? describeApiError(error, "list releases") : (error as Error).message;
    send(res, "notice", { message: `unavailable (${why}).` });
  }
  res.end();
}

/**
 * Streams the board's rows over Server-Sent Events from watches made with the user's own token: on connect every
 * visible row is sent (so a reconnect misses nothing: the stream is level-based), then each change as it happens;
 * a release that stops matching the selector or is deleted is sent as `gone`. The watches close with the page
 * (the request), with the session, or when the API server ends them (the browser's EventSource then reconnects).
 */
export async function streamBoard(
  home: Session,
  view: ClusterView,
  filter: PageFilter,
  ctx: PageContext,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  const session = view.session;
  const place = rowCluster(ctx, view);
  let visible;
  try {
    visible = await listVisible(session.client, dashboardResources.release, BoardRelease, {
      namespaces: filter.namespaces,
      fallbackNamespaces: fallbackOn(view, ctx.fallbackNamespaces),
      labelSelector: filter.selector,
    });
  } catch (error) {
    if (view.home) throw error;
    answerUnreadableCluster(res, home, view, error);
    return;
  }
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  res.write("retry: 2000\n\n");
  for (const release of visible.items) sendRow(res, release, place);
  const handles: WatchHandle[] = [];
  let closed = false;
  const close = (reason?: string): void => {
    if (closed) return;
    closed = true;
    for (const handle of handles) handle.close();
    session.closers.delete(close);
    if (reason !== undefined) send(res, "ended", { message: reason });
    res.end();
  };
  session.closers.add(close);
  res.on("close", () => close());
  const pumps = visible.scopes.map(async (scope) => {
    try {
      const handle = await session.client.watch(dashboardResources.release, {
        namespace: scope.namespace,
        resourceVersion: scope.resourceVersion,
        timeoutSeconds: WATCH_SECONDS,
      });
      handles.push(handle);
      if (closed) handle.close();
      for await (const event of handle.events) {
        if (closed) break;
        if (event.type === "BOOKMARK") continue;
        if (event.type === "ERROR") break;
        const release = BoardRelease.safeParse(event.object);
        if (!release.success) continue;
        const { namespace = "", name, labels } = release.data.metadata;
        if (event.type === "DELETED" || !matchesSelector(filter.requirements, labels)) {
          send(res, "gone", { id: rowId(namespace, name, place) });
        } else sendRow(res, release.data, place);
      }
    } catch (error) {
      if (closed) return;
      if (error instanceof ApiError) {
        send(res, "notice", { message: describeApiError(error, "watch releases") });
      } else {
        log.warn(
          { err: error, user: session.identity.username, cluster: view.cluster },
          "Stopped a live-update watch",
        );
      }
    }
  });
  if (pumps.length === 0) {
    // Nothing to watch (every namespace refused): hold the stream open so the browser does not reconnect in a loop.
    for (const notice of visible.notices) send(res, "notice", { message: notice });
    await new Promise<void>((resolve) => res.on("close", resolve));
    return;
  }
  // One watch ending ends the stream: the browser reconnects and gets every row again, then fresh watches.
  await Promise.race(pumps);
  close();
}
