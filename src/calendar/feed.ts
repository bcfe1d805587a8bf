import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Identity } from "../runtime/kube/self-review.js";
import type { Logger } from "../runtime/logging.js";
import { renderIcs } from "./ics.js";
import { buildCalendar } from "./model.js";
import { readCalendarInputs } from "./read.js";

/** The one path the calendar feed serves. */
export const CALENDAR_PATH = "/calendar/v1/calendar.ics";

const DAY_MS = 24 * 3_600_000;
/** What a subscription shows: a week back (what just happened) to 90 days ahead. */
const PAST_MS = 7 * DAY_MS;
const AHEAD_MS = 90 * DAY_MS;
const NamespaceName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What the feed's handler needs: who a token is, a client acting with that token, a log and the clock. */
export interface CalendarFeedDeps {
  /** TokenReview as the operator: the identity, or undefined when the API server does not accept the token. */
  review(token: string): Promise<Identity | undefined>;
  /** A client that reads with the caller's own token, so RBAC judges the caller. */
  clientFor(token: string): KubeClient;
  log: Logger;
  now(): Date;
}

const Query = z
  .object({
    namespace: z
      .array(z.string().max(63).regex(NamespaceName, "namespace must be a namespace name such as team-a"))
      .max(50, "at most 50 namespace parameters"),
    allNamespaces: z.enum(["true", "false"], { error: "allNamespaces must be true or false" }).optional(),
    environment: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "environment must be an Environment name")
      .optional(),
  })
  .refine((q) => q.namespace.length > 0 || q.allNamespaces === "true", {
    message: "name the namespaces to show: namespace=team-a (repeatable) or allNamespaces=true",
  });

/**
 * The bearer token of a request: `Authorization: Bearer <token>`, or HTTP Basic with the token as the password (the
 * user name is ignored: calendar clients can only send Basic). Tokens are never taken from the URL, which logs keep.
 */
export function tokenOf(authorization: string | undefined): string | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")?.[1];
  if (bearer !== undefined) return bearer;
  const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization ?? "")?.[1];
  if (basic === undefined) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
  return password === "" ? undefined : password;
}

function problem(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      ...headers,
    })
    .end(`${message}\n`);
}

const CHALLENGE = { "WWW-Authenticate": 'Basic realm="stagegate-calendar", charset="UTF-8"' };

/**
 * The calendar feed: `GET /calendar/v1/calendar.ics?namespace=...` answers an RFC 5545 calendar of what the caller
 * may read, read with the caller's own token after a TokenReview. No or a bad token: 401. A namespace or resource the
 * caller may not list: 403 naming it (never a calendar with it silently missing). Reads only; tokens never logged.
 */
export function calendarFeedHandler(deps: CalendarFeedDeps) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path !== CALENDAR_PATH) {
      problem(res, 404, `no such path; the calendar feed serves GET ${CALENDAR_PATH}`);
      return;
    }
    if (req.method !== "GET") {
      problem(res, 405, "the calendar feed is read-only: use GET", { Allow: "GET" });
      return;
    }
    const token = tokenOf(req.headers.authorization);
    if (token === undefined) {
      problem(
        res,
        401,
        "send a Kubernetes token as the Basic password (any user name) or as a Bearer token",
        CHALLENGE,
      );
      return;
    }
    let identity: Identity | undefined;
    try {
      identity = await deps.review(token);
    } catch (err) {
      problem(res, 503, `cannot review the token: ${(err as Error).message}`);
      return;
    }
    if (identity === undefined) {
      problem(res, 401, "the token is not accepted by the API server", CHALLENGE);
      return;
    }
    const params = new URL(req.url ?? "/", "https://calendar.invalid").searchParams;
    const query = Query.safeParse({
      namespace: params.getAll("namespace"),
      allNamespaces: params.get("allNamespaces") ?? undefined,
      environment: params.get("environment") ?? undefined,
    });
    if (!query.success) {
      problem(res, 400, query.error.issues.map((i) => i.message).join("; "));
      return;
    }
    const client = deps.clientFor(token);
    try {
      const scope =
        query.data.allNamespaces === "true"
          ? { all: true as const }
          : { all: false as const, names: query.data.namespace };
      const read = await readCalendarInputs(client, scope);
      if (read.refused.length > 0) {
        const first = read.refused[0];
        const where = first?.namespace === undefined ? "" : ` in namespace ${first.namespace}`;
        deps.log.info(
          { user: identity.username, refused: read.refused.length },
          "Refused a calendar feed request",
        );
        problem(
          res,
          403,
          `${identity.username} may not list ${first?.resource ?? "it"}${where}: ${first?.message ?? ""}`,
        );
        return;
      }
      const env = query.data.environment;
      const inputs =
        env === undefined
          ? read.inputs
          : {
              ...read.inputs,
              environments: read.inputs.environments.filter((e) => e.metadata.name === env),
              changes: read.inputs.changes.filter((c) => c.spec.environment === env),
              tasks: read.inputs.tasks.filter((t) => t.spec.environment === env),
            };
      const now = deps.now();
      const calendar = buildCalendar(inputs, {
        since: new Date(now.getTime() - PAST_MS),
        until: new Date(now.getTime() + AHEAD_MS),
      });
      res
        .writeHead(200, {
          "Content-Type": "text/calendar; charset=utf-8",
          "Cache-Control": "private, no-store",
          "Content-Disposition": 'inline; filename="stagegate.ics"',
        })
        .end(renderIcs(calendar.events, now, env === undefined ? "Stagegate" : `Stagegate ${env}`));
    } catch (err) {
      deps.log.warn(
        { user: identity.username, err: (err as Error).message },
        "Failed to read the calendar for the feed",
      );
      problem(res, 503, "cannot read the calendar from the API server; try again");
    } finally {
      client.close();
    }
  };
}
