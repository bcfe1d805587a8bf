import type { IncomingMessage, ServerResponse } from "node:http";
import { describeApiError } from "../cli/errors.js";
import { ApiError } from "../runtime/kube/api-error.js";
import type { KubeCredentials } from "../runtime/kube/kube-credentials.js";
import { startHttpsServer, type RunningHttpsServer } from "../runtime/https-server.js";
import type { Logger } from "../runtime/logging.js";
import type { Identity } from "../runtime/kube/self-review.js";
import { decide, DecideForm } from "./decide-form.js";
import {
  SESSION_COOKIE,
  clearedSessionCookie,
  cookieValue,
  readForm,
  redirect,
  sameOrigin,
  sendHtml,
  sessionCookie,
} from "./http.js";
import { streamBoard } from "./live.js";
import { layout, resultPage, type Page, type PageContext } from "./pages.js";
import { FeedCache } from "./feed-cache.js";
import { FeedError, type FeedEndpoint } from "./feed-client.js";
import { ProxySessions } from "./proxy-sessions.js";
import { pageFor } from "./routes.js";
import { startSessionUpkeep } from "./session-upkeep.js";
import { parsePageFilter } from "./query.js";
import { BadFilterError } from "./selector.js";
import { REVOKED_ENDED, SessionStore, sameSecret, type Session } from "./sessions.js";
import { STATIC_ASSETS } from "./static-assets.js";
import { templates } from "./templates.js";
import { reviewToken, type ReviewTransport } from "./token-review.js";
import { userClient } from "./user-client.js";
import { ClusterSignInNeeded, UnknownClusterError, namedView } from "./cluster-reads.js";
import type { ClusterDirectory } from "./clusters.js";
import { refuseCluster } from "./sessions.js";
import { clusterFeedReaders, signInToCluster } from "./cluster-sign-in.js";

/** What the dashboard server needs: where to serve, the API server to act on, and its own review client. */
export interface DashboardOptions {
  address: string;
  certFile: string;
  keyFile: string;
  /** The dashboard's own credentials: they give the API server's address and CA; its identity only reviews tokens. */
  apiServer: KubeCredentials;
  /** The dashboard's own client, used for TokenReviews and nothing else. */
  reviews: ReviewTransport;
  /** Namespaces to show when a user may not list cluster-wide and the page names none. */
  fallbackNamespaces: readonly string[];
  sessionIdleSeconds: number;
  /** The authenticating proxy's listener (mutual TLS), when people sign in through a proxy (ADR 0043). */
  proxy?: { address: string; clientCaFile: string; allowedNames: readonly string[] };
  /** The operator's audit feed, read with each user's token for retrospectives; none when not configured. */
  auditFeed?: FeedEndpoint;
  /** How often every open session's token is reviewed again, so a revoked token ends its session unprompted. */
  tokenRecheckSeconds?: number;
  /** The home cluster's name and the other clusters the dashboard shows (ADR 0057); none: one cluster. */
  clusters?: ClusterDirectory;
  log: Logger;
  now?: () => Date;
}

/** A running dashboard. */
export interface RunningDashboard {
  port: number;
  /** Where the authenticating proxy connects, when configured. */
  proxyPort?: number;
  /** Open sessions (for tests and metrics). */
  readonly sessions: SessionStore;
  close(): Promise<void>;
}

/**
 * Starts the dashboard over HTTPS. Users sign in with a bearer token the API server accepts (TokenReview); the
 * token then stays server-side in a session and every read, watch and write is made with it, so RBAC, admission
 * and separation of duties judge the user exactly as for kubectl. POSTs need the session's CSRF token and a
 * same-origin request.
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const now = options.now ?? (() => new Date());
  const sessions = new SessionStore({
    idleMs: options.sessionIdleSeconds * 1000,
    now: () => now().getTime(),
  });
  const ctx: PageContext = {
    fallbackNamespaces: options.fallbackNamespaces,
    now,
    ...(options.clusters === undefined ? {} : { clusters: options.clusters }),
  };
  const log = options.log;

  const send = (res: ServerResponse, page: Page, headers: Record<string, string> = {}): void =>
    sendHtml(res, page.status, page.html, headers);

  // One cache of the audit feed for every session: each read still asks the feed with the reader's token.
  const feedCache = options.auditFeed === undefined ? undefined : new FeedCache(options.auditFeed);
  // One cache per other cluster's feed (ADR 0057), read with the token that cluster accepted.
  const clusterFeed = clusterFeedReaders(options.clusters?.extra ?? []);

  /** A session acting with `token` for the person the API server said it authenticates. */
  function openSession(identity: Identity, token: string): Session {
    return sessions.open(
      identity,
      userClient(options.apiServer, token),
      () => reviewToken(options.reviews, token),
      feedCache === undefined ? undefined : (filters) => feedCache.read(token, filters),
      // Only ever called for a cluster configured with --cluster-same-token (ADR 0057).
      (endpoint) => {
        const feed = clusterFeed(endpoint.name, token);
        return { client: userClient(endpoint.server, token), ...(feed === undefined ? {} : { feed }) };
      },
    );
  }

  const proxied = new ProxySessions({
    sessions,
    review: (token) => reviewToken(options.reviews, token),
    open: (identity, token) => {
      log.info({ user: identity.username }, "Signed a user in through the authenticating proxy");
      return openSession(identity, token);
    },
  });

  function signInPage(status: number, error?: string): Page {
    return { status, html: layout("Sign in", templates.signIn({ error }), undefined) };
  }

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const token = form?.get("token")?.trim() ?? "";
    if (token === "" || token.length > 16_384 || /\s/.test(token)) {
      send(res, signInPage(400, "Paste one bearer token (no spaces); the form was empty or malformed."));
      return;
    }
    let identity;
    try {
      identity = await reviewToken(options.reviews, token);
    } catch (error) {
      log.error({ err: error }, "Failed to review a sign-in token");
      send(
        res,
        signInPage(
          503,
          "The API server could not be asked about this token (TokenReview failed); try again.",
        ),
      );
      return;
    }
    if (identity === undefined) {
      log.info({}, "Refused a sign-in with a token the API server does not accept");
      send(
        res,
        signInPage(401, "The API server does not accept this token: it is unknown, expired or revoked."),
      );
      return;
    }
    const session = openSession(identity, token);
    log.info({ user: identity.username }, "Signed a user in");
    redirect(res, "/", { "Set-Cookie": sessionCookie(session.id, options.sessionIdleSeconds) });
  }

  /** A POST's form, once its CSRF token matches the session's; otherwise answered with 403 and undefined. */
  async function checkedForm(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
  ): Promise<URLSearchParams | undefined> {
    const form = await readForm(req);
    const csrf = form?.get("csrf") ?? "";
    if (form === undefined || !sameSecret(csrf, session.csrf)) {
      log.warn({ user: session.identity.username }, "Refused a POST without this session's CSRF token");
      send(
        res,
        resultPage(
          403,
          "Request refused",
          "This form was not sent from your dashboard session (missing or wrong CSRF token); reload the page and try again.",
          session,
        ),
      );
      return undefined;
    }
    return form;
  }

  async function handleSignedIn(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    session: Session,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "https://dashboard.invalid");
    if (req.method === "POST") {
      const form = await checkedForm(req, res, session);
      if (form === undefined) return;
      if (path === "/sign-out") {
        sessions.end(session.id);
        redirect(res, "/sign-in", { "Set-Cookie": clearedSessionCookie() });
        return;
      }
      if (path === "/clusters/sign-in") {
        const refused = await signInToCluster(session, form, options.clusters, log, clusterFeed);
        if (refused !== undefined) send(res, refused);
        else redirect(res, "/");
        return;
      }
      if (path === "/decide") {
        const parsed = DecideForm.safeParse(Object.fromEntries(form));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          send(
            res,
            resultPage(
              400,
              "Decision refused",
              `The form's ${issue?.path.join(".") ?? "fields"} is not valid: ${issue?.message ?? ""}.`,
              session,
              "/waiting",
            ),
          );
          return;
        }
        // The decision is recorded on the cluster the form names, with that cluster's token (ADR 0057).
        const view = namedView(session, options.clusters, form.get("cluster") ?? undefined);
        const page = await decide(view.session, parsed.data, now());
        if (!view.home && page.status === 401) {
          refuseCluster(
            session,
            view.cluster,
            `Cluster ${view.cluster} no longer accepts your token for it.`,
          );
        }
        send(res, page);
        return;
      }
      send(res, resultPage(404, "Not found", `There is nothing to post to at ${path}.`, session));
      return;
    }
    if (req.method !== "GET") {
      send(
        res,
        resultPage(405, "Method not allowed", `Use GET or a form's POST, not ${req.method ?? ""}.`, session),
      );
      return;
    }
    if (path === "/events") {
      const clusters = url.searchParams.getAll("cluster");
      url.searchParams.delete("cluster");
      if (clusters.length > 1)
        throw new BadFilterError("give cluster once; each stream watches one cluster.");
      const view = namedView(session, options.clusters, clusters[0]);
      return streamBoard(session, view, parsePageFilter(url.searchParams), ctx, res, log);
    }
    send(res, await pageFor(session, path, url.searchParams, ctx));
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    viaProxy = false,
  ): Promise<void> {
    const asset = STATIC_ASSETS.get(path);
    if (asset !== undefined && req.method === "GET") {
      res.writeHead(200, {
        "Content-Type": asset.contentType,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
      });
      res.end(asset.body);
      return;
    }
    if (req.method === "POST" && !sameOrigin(req)) {
      send(
        res,
        resultPage(
          403,
          "Request refused",
          "This form was sent from another site; the dashboard accepts forms only from its own pages.",
          undefined,
        ),
      );
      return;
    }
    let session: Session | undefined;
    if (viaProxy) {
      const found = await proxied.find(req, path === "/events");
      if (!("id" in found)) {
        send(res, resultPage(found.status, "Not signed in", found.message, undefined));
        return;
      }
      session = found;
      // Behind the proxy there is no sign-in form: the proxy signs people in.
      if (path === "/sign-in") return redirect(res, "/");
    } else {
      const id = cookieValue(req, SESSION_COOKIE);
      session = path === "/events" ? sessions.peek(id) : sessions.touch(id);
    }
    if (path === "/sign-in") {
      if (req.method === "POST") return signIn(req, res);
      if (session !== undefined) return redirect(res, "/");
      return send(res, signInPage(200));
    }
    if (session === undefined) {
      if (req.method === "GET") return redirect(res, "/sign-in");
      send(res, signInPage(401, "Your session has ended (signed out or idle too long); sign in again."));
      return;
    }
    try {
      await handleSignedIn(req, res, path, session);
    } catch (error) {
      if (res.headersSent) throw error;
      if (error instanceof BadFilterError) {
        send(res, resultPage(400, "Bad request", `The request cannot be shown: ${error.message}`, session));
      } else if (error instanceof UnknownClusterError) {
        send(res, resultPage(404, "Unknown cluster", error.message, session));
      } else if (error instanceof ClusterSignInNeeded) {
        const notSignedIn = [{ cluster: error.cluster, message: error.message }];
        const body = templates.result({
          heading: "Not signed in",
          message: error.message,
          ok: false,
          back: "/",
        });
        send(res, { status: 401, html: layout("Not signed in", body, session, { notSignedIn }) });
      } else if (error instanceof ApiError || error instanceof FeedError) {
        if (error.status === 401) {
          sessions.end(session.id, REVOKED_ENDED);
          send(res, signInPage(401, "The API server no longer accepts your token; sign in again."), {
            "Set-Cookie": clearedSessionCookie(),
          });
          return;
        }
        if (error instanceof FeedError) throw error;
        const status = [403, 404, 422].includes(error.status) ? error.status : 502;
        send(
          res,
          resultPage(status, "The API server refused", describeApiError(error, `show ${path}`), session),
        );
      } else throw error;
    }
  }

  const answerFailure = (res: ServerResponse): void =>
    sendHtml(
      res,
      500,
      layout(
        "Error",
        templates.result({
          heading: "Something failed",
          message: "The dashboard failed to answer this request; the failure is in its log.",
          ok: false,
          back: "/",
        }),
        undefined,
      ),
    );

  const server: RunningHttpsServer = await startHttpsServer({
    address: options.address,
    certFile: options.certFile,
    keyFile: options.keyFile,
    log,
    handle: (req, res, path) => handle(req, res, path),
    answerFailure,
    messages: {
      requestFailed: "Failed to answer a dashboard request",
      serverFailed: "The dashboard server failed",
    },
  });
  // The authenticating proxy's own listener: mutual TLS, so only the proxy's certificate (of the configured CA and
  // an allowed common name) completes a handshake there (ADR 0043).
  const proxyServer: RunningHttpsServer | undefined =
    options.proxy === undefined
      ? undefined
      : await startHttpsServer({
          address: options.proxy.address,
          certFile: options.certFile,
          keyFile: options.keyFile,
          clientAuth: { caFile: options.proxy.clientCaFile, allowedNames: options.proxy.allowedNames },
          log,
          handle: (req, res, path) => handle(req, res, path, true),
          answerFailure,
          messages: {
            requestFailed: "Failed to answer a request from the authenticating proxy",
            serverFailed: "The dashboard's proxy listener failed",
          },
        });
  const upkeep = startSessionUpkeep(sessions, proxied, options.tokenRecheckSeconds ?? 60, log);
  return {
    port: server.port,
    ...(proxyServer === undefined ? {} : { proxyPort: proxyServer.port }),
    sessions,
    async close() {
      upkeep.stop();
      sessions.endAll();
      await server.close();
      await proxyServer?.close();
    },
  };
}
