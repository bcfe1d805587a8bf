import { insightsPage, parseInsightsQuery } from "./insights-page.js";
import { deploymentsPage, overduePage } from "./operations-pages.js";
import { boardPage, releasePage, resultPage, waitingPage, type Page, type PageContext } from "./pages.js";
import { parsePageFilter } from "./query.js";
import { retroPage } from "./retro-page.js";
import { BadFilterError } from "./selector.js";
import { refuseCluster, type Session } from "./sessions.js";
import { ApiError } from "../runtime/kube/api-error.js";
import { ClusterSignInNeeded, namedView, type ClusterView } from "./cluster-reads.js";
import { FeedError } from "./feed-client.js";

/**
 * Runs a page's reads on one cluster: on a cluster other than the home one, a 401 (from its API server or its audit
 * feed) signs the session out of that cluster only (the page then offers to add a token for it), never out of the
 * dashboard.
 */
export async function onCluster<T>(view: ClusterView, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const refused = (error instanceof ApiError || error instanceof FeedError) && error.status === 401;
    if (view.home || !refused) throw error;
    const message = `Cluster ${view.cluster} no longer accepts your token for it; add a token that cluster accepts.`;
    refuseCluster(view.session, view.cluster, message);
    throw new ClusterSignInNeeded(view.cluster, message);
  }
}

// A namespace (DNS label) and a release name (DNS subdomain), as the API server allows them: nothing to decode.
const RELEASE_PATH = /^\/releases\/([a-z0-9][-a-z0-9]{0,62})\/([a-z0-9][-a-z0-9.]{0,252})(\/retro)?$/;

/**
 * The page a signed-in GET asks for (every page but the live-update stream): its query is parsed strictly (an
 * unknown parameter is a {@link BadFilterError}); an unknown path is a 404 page in words.
 */
export async function pageFor(
  session: Session,
  path: string,
  query: URLSearchParams,
  ctx: PageContext,
): Promise<Page> {
  if (path === "/") return boardPage(session, parsePageFilter(query), ctx);
  if (path === "/waiting") return waitingPage(session, parsePageFilter(query), ctx);
  if (path === "/overdue") return overduePage(session, parsePageFilter(query), ctx);
  if (path === "/deployments") return deploymentsPage(session, parsePageFilter(query), ctx);
  if (path === "/insights") return insightsPage(session, parseInsightsQuery(query), ctx.now());
  const release = RELEASE_PATH.exec(path);
  if (release !== null) {
    const keys = [...new Set(query.keys())].filter((key) => key !== "cluster");
    if (keys.length > 0) {
      throw new BadFilterError(
        `unknown query parameters ${keys.map((k) => `"${k}"`).join(", ")}; a release's pages take only cluster.`,
      );
    }
    const clusters = query.getAll("cluster");
    if (clusters.length > 1) throw new BadFilterError("give cluster once; a release is on one cluster.");
    const [, namespace = "", name = "", retro] = release;
    const view = namedView(session, ctx.clusters, clusters[0]);
    if (retro !== undefined) {
      if (view.home) return retroPage(session, namespace, name, ctx.now());
      // Another cluster's retrospective comes from that cluster's own feed, read with the token it accepted.
      if (view.session.feed === undefined) {
        return resultPage(
          503,
          "No audit feed configured",
          `This dashboard has no audit feed configured for cluster ${view.cluster} (--cluster-audit-feed ` +
            `${view.cluster}=URL), so it cannot show the retrospective of release ${name} there: retrospectives ` +
            "come only from that cluster's verified audit trail. Ask the platform team to point the dashboard at " +
            "that cluster's operator's audit feed, or run `stagegate retro` against that cluster.",
          session,
          `/releases/${namespace}/${name}?cluster=${encodeURIComponent(view.cluster)}`,
        );
      }
      return onCluster(view, () => retroPage(view.session, namespace, name, ctx.now(), view.cluster));
    }
    return onCluster(view, () => releasePage(session, namespace, name, ctx, clusters[0]));
  }
  return resultPage(404, "Not found", `There is no page at ${path}.`, session);
}
