import { insightsPage, parseInsightsQuery } from "./insights-page.js";
import { deploymentsPage, overduePage } from "./operations-pages.js";
import { boardPage, releasePage, resultPage, waitingPage, type Page, type PageContext } from "./pages.js";
import { parsePageFilter } from "./query.js";
import { retroPage } from "./retro-page.js";
import { BadFilterError } from "./selector.js";
import type { Session } from "./sessions.js";

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
    const keys = [...new Set(query.keys())];
    if (keys.length > 0) {
      throw new BadFilterError(
        `unknown query parameters ${keys.map((k) => `"${k}"`).join(", ")}; a release's pages take none.`,
      );
    }
    const [, namespace = "", name = "", retro] = release;
    if (retro !== undefined) return retroPage(session, namespace, name, ctx.now());
    return releasePage(session, namespace, name);
  }
  return resultPage(404, "Not found", `There is no page at ${path}.`, session);
}
