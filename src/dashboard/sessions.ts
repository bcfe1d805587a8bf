import { randomBytes, timingSafeEqual } from "node:crypto";
import type { KubeClient } from "../runtime/kube/client.js";
import { ApiError } from "../runtime/kube/api-error.js";
import { reviewSelf, type Identity } from "../runtime/kube/self-review.js";
import type { ClusterEndpoint } from "./clusters.js";
import type { FeedRead } from "./feed-client.js";

/** One signed-in user: who the API server says they are, a client acting with their token, and their CSRF token. */
export interface Session {
  readonly id: string;
  readonly identity: Identity;
  readonly client: KubeClient;
  /** Bound to this session; every POST must carry it. */
  readonly csrf: string;
  lastSeen: number;
  /**
   * Ends what this session holds open (its live-update watches) when it ends; `reason` says why in words when the
   * session did not end by the user's own sign-out (the page shows it).
   */
  readonly closers: Set<(reason?: string) => void>;
  /** Asks the API server again whom the session's token authenticates (TokenReview); undefined once it refuses it. */
  readonly review: () => Promise<Identity | undefined>;
  /** Reads the operator's audit feed with the session's token; undefined when the dashboard has no feed configured. */
  readonly feed: UserFeed | undefined;
  /**
   * The session's standing on the dashboard's other clusters (ADR 0057), by cluster name: signed in there (a client
   * with the token that cluster accepted) or refused (why, in words). A cluster not in the map was not tried yet.
   */
  readonly clusters: Map<string, ClusterAccess>;
  /**
   * The session's sign-in token on another cluster: a client for its API server and, when that cluster has an audit
   * feed, a reader of that feed; only for `--cluster-same-token`.
   */
  readonly sameTokenOn: (endpoint: ClusterEndpoint) => TokenOnCluster;
}

/** A session's standing on one other cluster. */
export type ClusterAccess =
  | {
      state: "signed-in";
      client: KubeClient;
      /** Whom that cluster says the token is (SelfSubjectReview there). */
      identity: Identity;
      /** "same token" (the sign-in token, tried by configuration) or "own token" (added for this cluster). */
      via: "same token" | "own token";
      /** Ends this cluster's live streams, telling their pages `reason`; called when the access ends. */
      closers: Set<(reason?: string) => void>;
      /** Reads that cluster's audit feed with the token that cluster accepted; none when it has no feed configured. */
      feed?: UserFeed;
    }
  | { state: "refused"; message: string };

/**
 * Asks each other cluster the session is signed in to whom its token there is now (SelfSubjectReview, as that
 * cluster's user): a 401 or another person signs the session out of that cluster only. A failure to ask changes
 * nothing and is reported.
 */
async function recheckClusters(
  session: Session,
  onError: (error: unknown, session: Session) => void,
): Promise<void> {
  for (const [cluster, access] of [...session.clusters]) {
    if (access.state !== "signed-in") continue;
    try {
      const now = await reviewSelf(access.client);
      if (now.username !== access.identity.username || now.uid !== access.identity.uid) {
        refuseCluster(
          session,
          cluster,
          `Cluster ${cluster} now says your token is someone else; add your token again.`,
        );
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        refuseCluster(
          session,
          cluster,
          `Cluster ${cluster} no longer accepts your token for it; add a token that cluster accepts.`,
        );
      } else onError(error, session);
    }
  }
}

/** Forgets a session's access to one cluster (closing its client), leaving why in words. */
export function refuseCluster(session: Session, cluster: string, message: string): void {
  const access = session.clusters.get(cluster);
  session.clusters.set(cluster, { state: "refused", message });
  if (access?.state === "signed-in") endAccess(access, message);
}

/** Ends one cluster's access: its open streams (their pages told `reason`, when given), then its client. */
export function endAccess(access: ClusterAccess, reason?: string): void {
  if (access.state !== "signed-in") return;
  for (const close of [...access.closers]) close(reason);
  access.closers.clear();
  access.client.close();
}

/** Reads every entry the filters select from the audit feed, as the signed-in user. */
export type UserFeed = (filters: readonly Record<string, string>[]) => Promise<FeedRead>;

/** One token as it acts on another cluster: a client for its API server and a reader of its audit feed, if any. */
export interface TokenOnCluster {
  client: KubeClient;
  feed?: UserFeed;
}

/** What a store needs: how long a session may sit idle, and the clock. */
export interface SessionStoreOptions {
  idleMs: number;
  now?: () => number;
}

/** What a page is told when its session ended because the API server refused the token. */
export const REVOKED_ENDED =
  "Your session has ended: the API server no longer accepts your token (revoked, expired or its account deleted). Sign in again.";

/** What a page is told when its session ended for lack of activity. */
export const IDLE_ENDED = "Your session has ended after a time without activity. Sign in again.";

const randomId = (): string => randomBytes(32).toString("base64url");

/** Whether two secrets are equal, in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Server-side sessions: the browser holds only a random id (256 bits); the user's token stays here. A session
 * idle longer than `idleMs` is gone (its watches closed, its client closed) the next time anyone asks for it or at
 * the next sweep.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Opens a session for a user the API server authenticated, acting with `client` (their token); `review` asks
   * the API server about that token again; `feed` reads the audit feed with it.
   */
  open(
    identity: Identity,
    client: KubeClient,
    review: () => Promise<Identity | undefined>,
    feed?: UserFeed,
    sameTokenOn: (endpoint: ClusterEndpoint) => TokenOnCluster = () => {
      throw new Error("this session tries its token on no other cluster");
    },
  ): Session {
    const session: Session = {
      id: randomId(),
      identity,
      client,
      csrf: randomId(),
      lastSeen: this.now(),
      closers: new Set(),
      review,
      feed,
      clusters: new Map(),
      sameTokenOn,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined when unknown or idle too long. */
  touch(id: string | undefined): Session | undefined {
    const session = this.peek(id);
    if (session !== undefined) session.lastSeen = this.now();
    return session;
  }

  /**
   * The live session with this id without restarting its idle clock: for the live-update stream, whose automatic
   * reconnects are not the person doing anything (an open, unattended tab must not keep a session alive).
   */
  peek(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (this.now() - session.lastSeen > this.options.idleMs) {
      this.end(id, IDLE_ENDED);
      return undefined;
    }
    return session;
  }

  /** Ends a session: closes its watches (telling their pages `reason`) and its client, and forgets its token. */
  end(id: string, reason?: string): void {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    for (const close of session.closers) close(reason);
    session.closers.clear();
    session.client.close();
    for (const access of session.clusters.values()) endAccess(access, reason);
    session.clusters.clear();
  }

  /** Ends every session idle longer than allowed. */
  sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeen > this.options.idleMs) this.end(id, IDLE_ENDED);
    }
  }

  /**
   * Reviews every open session's token again and ends those the API server no longer accepts for the same user
   * (revoked, expired, its ServiceAccount deleted), so an open page learns it without a click. A review that
   * fails (the API server unreachable) ends nothing; it is reported to `onError` and tried at the next round.
   */
  async recheck(onError: (error: unknown, session: Session) => void): Promise<number> {
    let ended = 0;
    for (const session of [...this.sessions.values()]) {
      let identity: Identity | undefined;
      try {
        identity = await session.review();
      } catch (error) {
        onError(error, session);
        continue;
      }
      if (identity?.username !== session.identity.username || identity.uid !== session.identity.uid) {
        this.end(session.id, REVOKED_ENDED);
        ended += 1;
        continue;
      }
      await recheckClusters(session, onError);
    }
    return ended;
  }

  /** Ends every session (shutdown). */
  endAll(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }

  /** How many sessions are open. */
  get size(): number {
    return this.sessions.size;
  }
}
