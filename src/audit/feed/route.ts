import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../runtime/logging.js";
import type { MetricsAuthorizer } from "../../runtime/metrics-authorization.js";
import type { ChainVerifier } from "./chain-status.js";
import { encodeCursor } from "./cursor.js";
import { FEED_OPENAPI, OPENAPI_PATH, RECORDS_PATH } from "./openapi.js";
import { FeedQueryError, parseFeedQuery } from "./query.js";
import type { FeedSource } from "./source.js";

/** What the feed's handler needs: who may read, what it reads, and the chain's incremental verification. */
export interface FeedRouteDeps {
  authorizer: MetricsAuthorizer;
  source: FeedSource;
  verifier: ChainVerifier;
  log: Logger;
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res
    .writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers })
    .end(JSON.stringify(body));
}

/** A refusal in the Problem shape of the OpenAPI description. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  extra: { parameter?: string; headers?: Record<string, string> } = {},
): void {
  const body = { error, message, ...(extra.parameter === undefined ? {} : { parameter: extra.parameter }) };
  sendJson(res, status, body, extra.headers ?? {});
}

const REASONS = { 401: "Unauthorized", 403: "Forbidden", 503: "Unavailable" } as const;

/**
 * The feed's request handler: `GET /audit/v1/records` and `GET /audit/v1/openapi.json`, both only for a caller the
 * API server authenticates and authorises (TokenReview, then SubjectAccessReview for list on
 * auditrecords.stagegate.io), checked before the query is even parsed. Reads only. Tokens are never logged.
 */
export function feedHandler(deps: FeedRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path !== RECORDS_PATH && path !== OPENAPI_PATH) {
      sendProblem(
        res,
        404,
        "NotFound",
        `no such path; the feed serves GET ${RECORDS_PATH} and ${OPENAPI_PATH}`,
      );
      return;
    }
    if (req.method !== "GET") {
      sendProblem(res, 405, "MethodNotAllowed", "the feed is read-only: use GET", {
        headers: { Allow: "GET" },
      });
      return;
    }
    const access = await deps.authorizer.authorize(req.headers.authorization);
    if (!access.allowed) {
      const challenge: Record<string, string> =
        access.status === 401 ? { "WWW-Authenticate": 'Bearer realm="stagegate-audit-feed"' } : {};
      sendProblem(res, access.status, REASONS[access.status], access.message, { headers: challenge });
      return;
    }
    if (path === OPENAPI_PATH) {
      sendJson(res, 200, FEED_OPENAPI);
      return;
    }
    let query;
    try {
      query = parseFeedQuery(new URL(req.url ?? "/", "https://feed.invalid").searchParams);
    } catch (err) {
      if (!(err instanceof FeedQueryError)) throw err;
      sendProblem(res, 400, "BadParameter", err.message, { parameter: err.parameter });
      return;
    }
    let page;
    let chain;
    try {
      page = await deps.source.page(query);
      chain = await deps.verifier.through(page.entries.at(-1)?.seq ?? 0);
    } catch (err) {
      deps.log.warn(
        { source: deps.source.name, user: access.user, err: (err as Error).message },
        "Failed to read a page of the audit feed",
      );
      sendProblem(res, 503, "Unavailable", `cannot read the audit record ${deps.source.name}; try again`);
      return;
    }
    const vouched = chain.verifiedThrough;
    // Entries go out as stored (already JSON); only the frame around them is encoded here.
    const items = page.entries.map((entry) => `{"verified":${entry.seq <= vouched},"entry":${entry.json}}`);
    const frame = JSON.stringify({
      source: deps.source.name,
      nextCursor: encodeCursor(page.through),
      more: page.more,
      chain,
    });
    res
      .writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" })
      .end(`{"items":[${items.join(",")}],${frame.slice(1)}`);
  };
}
