import { ApiError } from "../runtime/kube/api-error.js";
import type { Logger } from "../runtime/logging.js";
import { reviewSelf } from "../runtime/kube/self-review.js";
import { UnknownClusterError } from "./cluster-reads.js";
import type { ClusterDirectory, ClusterEndpoint } from "./clusters.js";
import { FeedCache } from "./feed-cache.js";
import type { FeedEndpoint, FeedRead } from "./feed-client.js";
import { resultPage, type Page } from "./pages.js";
import { endAccess, type Session, type UserFeed } from "./sessions.js";
import { userClient } from "./user-client.js";

/** A reader of cluster `cluster`'s audit feed with `token`; undefined when that cluster has no feed configured. */
export type ClusterFeeds = (cluster: string, token: string) => UserFeed | undefined;

/** What reads one feed for any token: a {@link FeedCache}. */
export interface FeedReader {
  read: (token: string, filters: readonly Record<string, string>[]) => Promise<FeedRead>;
}

/**
 * The other clusters' audit feeds (ADR 0057): one reader (cache) per cluster with `--cluster-audit-feed`, each read
 * with the token the caller gives, which is the token that cluster accepted.
 */
export function clusterFeedReaders(
  endpoints: readonly ClusterEndpoint[],
  open: (feed: FeedEndpoint) => FeedReader = (feed) => new FeedCache(feed),
): ClusterFeeds {
  const readers = new Map(
    endpoints.flatMap((endpoint) =>
      endpoint.auditFeed === undefined ? [] : [[endpoint.name, open(endpoint.auditFeed)] as const],
    ),
  );
  return (cluster, token) => {
    const reader = readers.get(cluster);
    return reader === undefined ? undefined : (filters) => reader.read(token, filters);
  };
}

/**
 * Adds a token for another cluster to the session (the form of a "not signed in" cluster, ADR 0057): that cluster
 * itself says whom it authenticates (SelfSubjectReview with the token, sent to that cluster only); the dashboard
 * holds no rights there. Undefined once signed in; otherwise the page that says why. A refusal leaves the session and
 * its other clusters as they were. An unknown cluster is an {@link UnknownClusterError}.
 */
export async function signInToCluster(
  session: Session,
  form: URLSearchParams,
  clusters: ClusterDirectory | undefined,
  log: Logger,
  feeds: ClusterFeeds = () => undefined,
): Promise<Page | undefined> {
  const name = form.get("cluster") ?? "";
  const endpoint = clusters?.extra.find((e) => e.name === name);
  if (endpoint === undefined) throw new UnknownClusterError(name, clusters);
  const token = form.get("token")?.trim() ?? "";
  if (token === "" || token.length > 16_384 || /\s/.test(token)) {
    return resultPage(
      400,
      "Token refused",
      `Paste one bearer token for cluster ${name} (no spaces); the form's token was empty or malformed.`,
      session,
    );
  }
  const client = userClient(endpoint.server, token);
  let identity;
  try {
    identity = await reviewSelf(client);
  } catch (error) {
    client.close();
    if (error instanceof ApiError && error.status === 401) {
      log.info(
        { user: session.identity.username, cluster: name },
        "Refused a token another cluster does not accept",
      );
      return resultPage(
        401,
        "Token refused",
        `Cluster ${name} does not accept this token: it is unknown there, expired or revoked. You are still ` +
          "signed in to the dashboard and to your other clusters.",
        session,
      );
    }
    log.warn({ err: error, cluster: name }, "Failed to ask another cluster about a token");
    return resultPage(
      503,
      "Cluster unavailable",
      `Cluster ${name} could not be asked about this token (SelfSubjectReview failed); try again.`,
      session,
    );
  }
  const before = session.clusters.get(name);
  // That cluster's feed is read with this token, the one that cluster has just accepted (never the sign-in token).
  const feed = feeds(name, token);
  session.clusters.set(name, {
    state: "signed-in",
    client,
    identity,
    via: "own token",
    closers: new Set(),
    ...(feed === undefined ? {} : { feed }),
  });
  // The old token's streams end; their pages reconnect with the new one.
  if (before !== undefined) endAccess(before);
  log.info(
    { user: session.identity.username, cluster: name, clusterUser: identity.username },
    "Signed a user in to another cluster",
  );
  return undefined;
}
