import { z } from "zod";
import type { ExportFilter } from "../export/filter.js";
import { CursorError, decodeCursor } from "./cursor.js";

/** The most entries one page may hold, and how many a page holds when `limit` is not given. */
export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 100;

/** The query parameters of `GET /audit/v1/records`, named as `stagegate audit export` names its flags. */
export const FEED_PARAMETERS = [
  "after",
  "limit",
  "since",
  "until",
  "namespace",
  "environment",
  "action",
] as const;
type FeedParameter = (typeof FEED_PARAMETERS)[number];

/** One page request, parsed: where it starts, how much it may hold, and the export filter it applies. */
export interface FeedQuery {
  /** The seq after which the page starts (0: from the first entry). */
  after: number;
  limit: number;
  filter: ExportFilter;
}

/** A query parameter that does not parse; `parameter` is what the 400 answer names. */
export class FeedQueryError extends Error {
  override readonly name = "FeedQueryError";
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const PARSERS = {
  limit: z.coerce
    .number()
    .pipe(z.number().int().min(1).max(MAX_PAGE_LIMIT))
    .refine((n) => Number.isFinite(n)),
  since: time,
  until: time,
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63),
  environment: z.string().min(1).max(253),
  action: z
    .string()
    .transform((value) => value.split(",").map((part) => part.trim()))
    .pipe(z.array(z.string().regex(/^[A-Z][A-Za-z0-9]*$/)).min(1)),
} as const;

const HELP: Record<FeedParameter, string> = {
  after: "pass the nextCursor of the previous page, or leave it out to start at the first entry",
  limit: `must be a whole number from 1 to ${MAX_PAGE_LIMIT}`,
  since: "must be an RFC 3339 time such as 2026-12-01T00:00:00Z",
  until: "must be an RFC 3339 time such as 2026-12-01T00:00:00Z",
  namespace: "must be a namespace name",
  environment: "must be an environment name",
  action: "must be a comma-separated list of CamelCase actions such as ChangeApproved,AdmissionDenied",
};

/**
 * Parses the query string of a page request. Every problem is a {@link FeedQueryError} naming the parameter: an
 * unknown or repeated parameter, a cursor this feed did not hand out, a limit out of range, a time that is not
 * RFC 3339, `since` not before `until`. Pure.
 */
export function parseFeedQuery(search: URLSearchParams): FeedQuery {
  const seen = new Set<string>();
  for (const name of search.keys()) {
    if (!(FEED_PARAMETERS as readonly string[]).includes(name)) {
      throw new FeedQueryError(name, `is not a parameter of this feed; use ${FEED_PARAMETERS.join(", ")}`);
    }
    if (seen.has(name)) throw new FeedQueryError(name, "is given more than once; give it once");
    seen.add(name);
  }
  const pick = <K extends keyof typeof PARSERS>(name: K): z.output<(typeof PARSERS)[K]> | undefined => {
    const raw = search.get(name);
    if (raw === null) return undefined;
    const parsed = PARSERS[name].safeParse(raw);
    if (!parsed.success) throw new FeedQueryError(name, HELP[name]);
    return parsed.data as z.output<(typeof PARSERS)[K]>;
  };
  const cursor = search.get("after");
  let after = 0;
  if (cursor !== null) {
    try {
      after = decodeCursor(cursor);
    } catch (err) {
      if (!(err instanceof CursorError)) throw err;
      throw new FeedQueryError("after", `${err.message}; ${HELP.after}`);
    }
  }
  const since = pick("since");
  const until = pick("until");
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
    throw new FeedQueryError("until", "must be later than since");
  }
  const actions = pick("action");
  return {
    after,
    limit: pick("limit") ?? DEFAULT_PAGE_LIMIT,
    filter: {
      since,
      until,
      namespace: pick("namespace"),
      environment: pick("environment"),
      actions: actions === undefined ? undefined : new Set(actions),
    },
  };
}
