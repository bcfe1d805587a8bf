import { describeApiError } from "../cli/errors.js";
import { ApiError } from "../runtime/kube/api-error.js";
import { reviewSelf } from "../runtime/kube/self-review.js";
import { isMultiCluster, type ClusterDirectory, type ClusterEndpoint } from "./clusters.js";
import { refuseCluster, type Session } from "./sessions.js";

/** A session as it acts on one cluster: that cluster's client and the identity that cluster gave the token. */
export interface ClusterView {
  cluster: string;
  home: boolean;
  session: Session;
  /** This cluster's namespaces for people who may not list every namespace; none: the dashboard's `--namespaces`. */
  fallbackNamespaces?: readonly string[];
}

/** The namespaces to fall back to on the view's cluster. */
export const fallbackOn = (view: ClusterView, dashboard: readonly string[]): readonly string[] =>
  view.fallbackNamespaces ?? dashboard;

/** A cluster the person is not signed in to, and why, for the page's "add a token" form. */
export interface NotSignedIn {
  cluster: string;
  message: string;
}

/** What one read across clusters gave: each cluster's value, the clusters' problems in words, and where to sign in. */
export interface ClusterReads<T> {
  results: { view: ClusterView; value: T }[];
  notices: string[];
  notSignedIn: NotSignedIn[];
}

/** What a page tells a person about a cluster they are not signed in to yet. */
const notTried = (cluster: string): string =>
  `You are not signed in to cluster ${cluster}; add a token that cluster accepts to see and act on its releases.`;

/**
 * The session acting on another cluster with that cluster's client, identity and audit feed (read with the token
 * that cluster accepted; none when that cluster has no feed configured): never the home cluster's feed.
 */
export function viewOn(session: Session, endpoint: ClusterEndpoint): ClusterView | undefined {
  const access = session.clusters.get(endpoint.name);
  if (access?.state !== "signed-in") return undefined;
  return {
    cluster: endpoint.name,
    home: false,
    // The view's closers are the cluster's: its streams end when the access ends (and with the session).
    session: {
      ...session,
      client: access.client,
      identity: access.identity,
      feed: access.feed,
      closers: access.closers,
    },
    ...(endpoint.namespaces === undefined ? {} : { fallbackNamespaces: endpoint.namespaces }),
  };
}

/**
 * Tries the session's sign-in token on a `--cluster-same-token` cluster once (SelfSubjectReview there, so that
 * cluster itself says whom it authenticates). A 401 is remembered as refused; an unreachable cluster is tried again
 * on the next page.
 */
async function trySameToken(session: Session, endpoint: ClusterEndpoint): Promise<string | undefined> {
  const { client, feed } = session.sameTokenOn(endpoint);
  try {
    const identity = await reviewSelf(client);
    session.clusters.set(endpoint.name, {
      state: "signed-in",
      client,
      identity,
      via: "same token",
      closers: new Set(),
      ...(feed === undefined ? {} : { feed }),
    });
    return undefined;
  } catch (error) {
    client.close();
    if (error instanceof ApiError && error.status === 401) {
      const message = `Cluster ${endpoint.name} does not accept your sign-in token; add a token that cluster accepts.`;
      session.clusters.set(endpoint.name, { state: "refused", message });
      return undefined;
    }
    return `Cluster ${endpoint.name} could not be asked about your token: ${(error as Error).message}`;
  }
}

/** What reading one other cluster gave: its row, or where to sign in, and its problems in words. */
interface OtherRead<T> {
  row?: { view: ClusterView; value: Awaited<T> };
  notSignedIn?: NotSignedIn;
  notices: string[];
}

/** Reads one other cluster; never throws: its failures become notices or a sign-in, naming the cluster. */
async function readOther<T>(
  session: Session,
  endpoint: ClusterEndpoint,
  read: (view: ClusterView) => Promise<T>,
): Promise<OtherRead<T>> {
  const notices: string[] = [];
  if (endpoint.sameToken && !session.clusters.has(endpoint.name)) {
    const failed = await trySameToken(session, endpoint);
    if (failed !== undefined) notices.push(failed);
  }
  const access = session.clusters.get(endpoint.name);
  const view = viewOn(session, endpoint);
  if (view === undefined) {
    const message = access?.state === "refused" ? access.message : notTried(endpoint.name);
    return { notSignedIn: { cluster: endpoint.name, message }, notices };
  }
  try {
    return { row: { view, value: await read(view) }, notices };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      const message = `Cluster ${endpoint.name} no longer accepts your token for it; add a token that cluster accepts.`;
      refuseCluster(session, endpoint.name, message);
      return { notSignedIn: { cluster: endpoint.name, message }, notices };
    }
    notices.push(
      error instanceof ApiError
        ? `Cluster ${endpoint.name}: ${describeApiError(error, "read it")}`
        : `Cluster ${endpoint.name} is unavailable: ${(error as Error).message}`,
    );
    return { notices };
  }
}

/**
 * Runs `read` on every cluster the session may act on, all at once, so a page waits for its slowest cluster, not for
 * the sum of them: the home cluster (its failures reach the caller, as on a one-cluster dashboard: a 401 there ends
 * the session) and each other cluster the session is signed in to. A 401 from another cluster only signs the
 * session out of that cluster; any other failure there becomes a notice naming the cluster. The other clusters'
 * rows are never lost to one cluster's failure. Rows come home first, then in the order the clusters were given.
 */
export async function acrossClusters<T>(
  session: Session,
  clusters: ClusterDirectory | undefined,
  read: (view: ClusterView) => Promise<T>,
): Promise<ClusterReads<T>> {
  const home: ClusterView = { cluster: clusters?.home ?? "home", home: true, session };
  // readOther never rejects. When the home read fails, the others are let finish before the failure reaches the
  // caller, so a session it ends closes every client they signed in with, none made after it.
  const others = Promise.all((clusters?.extra ?? []).map((endpoint) => readOther(session, endpoint, read)));
  const homeValue = await read(home).catch(async (error: unknown) => {
    await others;
    throw error;
  });
  const results = [{ view: home, value: homeValue }];
  const notices: string[] = [];
  const notSignedIn: NotSignedIn[] = [];
  for (const other of await others) {
    if (other.row !== undefined) results.push(other.row);
    if (other.notSignedIn !== undefined) notSignedIn.push(other.notSignedIn);
    notices.push(...other.notices);
  }
  return { results, notices, notSignedIn };
}

/** A cluster's notices as a page shows them: named by cluster when the dashboard shows more than one. */
export function clusterNotices(
  clusters: ClusterDirectory | undefined,
  view: ClusterView,
  notices: readonly string[],
): string[] {
  return isMultiCluster(clusters)
    ? notices.map((notice) => `Cluster ${view.cluster}: ${notice}`)
    : [...notices];
}

/**
 * The view a request names with `?cluster=` or a form's `cluster` field: the home cluster when none or the home's
 * name; an unknown name is an {@link UnknownClusterError} (404 naming it); a known cluster the session is not
 * signed in to is a {@link ClusterSignInNeeded} (401 with the add-a-token form).
 */
export function namedView(
  session: Session,
  clusters: ClusterDirectory | undefined,
  cluster: string | undefined,
): ClusterView {
  const home = clusters?.home ?? "home";
  if (cluster === undefined || cluster === "" || cluster === home)
    return { cluster: home, home: true, session };
  const endpoint = (clusters?.extra ?? []).find((e) => e.name === cluster);
  if (endpoint === undefined) throw new UnknownClusterError(cluster, clusters);
  const view = viewOn(session, endpoint);
  if (view === undefined) {
    const access = session.clusters.get(cluster);
    throw new ClusterSignInNeeded(cluster, access?.state === "refused" ? access.message : notTried(cluster));
  }
  return view;
}

/** A cluster name the dashboard is not configured with (answered 404, naming it and the known ones). */
export class UnknownClusterError extends Error {
  override readonly name = "UnknownClusterError";
  constructor(cluster: string, clusters: ClusterDirectory | undefined) {
    const known = [clusters?.home ?? "home", ...(clusters?.extra ?? []).map((e) => e.name)];
    super(
      `This dashboard shows no cluster named ${JSON.stringify(cluster.slice(0, 64))}; its clusters are ${known.join(", ")}.`,
    );
  }
}

/** A known cluster the session is not signed in to (answered 401 with the form to add a token for it). */
export class ClusterSignInNeeded extends Error {
  override readonly name = "ClusterSignInNeeded";
  constructor(
    readonly cluster: string,
    message: string,
  ) {
    super(message);
  }
}
