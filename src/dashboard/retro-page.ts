import type { ChainProof } from "../audit/reports/chain-proof.js";
import { loadTemplate, type ReportTemplate } from "../audit/reports/templates.js";
import { RETRO_TEMPLATE } from "../cli/verbs/retro.js";
import { buildRetro, retroKeeps } from "../insights/retro/model.js";
import { FeedError, MAX_FEED_ENTRIES, type FeedRead } from "./feed-client.js";
import { layout, resultPage, type Page } from "./pages.js";
import type { Session } from "./sessions.js";
import { templates } from "./templates.js";

/** How the retrospective judges patterns when the page names nothing: as `stagegate retro` does by default. */
const RETRO_DEFAULTS = { lateWithinMs: 15 * 60_000, usualHours: undefined, timeZone: "UTC" };

let template: Promise<ReportTemplate> | undefined;

/** The retrospective's shipped HTML template (the one `stagegate retro --format html` uses), loaded once. */
function retroTemplate(): Promise<ReportTemplate> {
  template ??= loadTemplate(RETRO_TEMPLATE);
  return template;
}

/** What the operator's feed said about the chain, as the retrospective's chain proof. Pure. */
export function feedChainProof(read: FeedRead): ChainProof {
  const { chain, source } = read;
  const bad = chain.firstBad;
  const sentence =
    bad === undefined
      ? `${source}: the operator's audit feed verified the chain from entry 1 through entry ${chain.verifiedThrough}.`
      : `${source}: the operator's audit feed found the chain broken at position ${bad.line}` +
        `${bad.seq === undefined ? "" : ` (entry ${bad.seq})`}, ${bad.problem}: ${bad.message}`;
  const headline = chain.intact
    ? "Chain verified by the operator's audit feed: every entry shown is vouched for by the hash chain. Signed " +
      "checkpoints are not checked by the dashboard (stagegate retro --public-key does)."
    : `CHAIN BROKEN: the audit trail ${source} did not verify; entries from the first bad one on are not vouched ` +
      "for by the chain, and this retrospective may be incomplete or altered.";
  return {
    intact: chain.intact,
    checkpointsChecked: false,
    headline,
    trails: [
      {
        name: source,
        intact: chain.intact,
        entries: chain.verifiedThrough,
        chain: sentence,
        checkpoints: undefined,
      },
    ],
    unvouchedEntries: 0,
  };
}

/** The rendered retrospective's body (the template writes a whole document; the dashboard's layout wraps it). */
function bodyOf(html: string): string {
  const start = html.indexOf("<body>");
  const end = html.lastIndexOf("</body>");
  return start < 0 || end < start ? html : html.slice(start + "<body>".length, end);
}

/**
 * A release's retrospective and timeline, from the verified audit trail read through the operator's audit feed
 * (`session.feed`: for a release on another cluster, named by `cluster`, that cluster's feed) with the user's own
 * token (the feed reviews it and the user's right to list auditrecords). Without a feed
 * configured, or when the feed refuses, the page says so in words. The record outlives the release: a deleted
 * release still has its retrospective.
 */
export async function retroPage(
  session: Session,
  namespace: string,
  name: string,
  now: Date,
  cluster?: string,
): Promise<Page> {
  const back = `/releases/${namespace}/${name}${cluster === undefined ? "" : `?cluster=${encodeURIComponent(cluster)}`}`;
  if (session.feed === undefined) {
    return resultPage(
      503,
      "No audit feed configured",
      "This dashboard has no audit feed configured (--audit-feed-url), so it cannot show a retrospective: " +
        "retrospectives come only from the verified audit trail. Ask the platform team to enable the operator's " +
        "audit feed and point the dashboard at it, or run `stagegate retro` over the trail.",
      session,
      back,
    );
  }
  let read: FeedRead;
  try {
    read = await session.feed([{ namespace }, { action: "ReleasePromoted" }]);
  } catch (error) {
    if (!(error instanceof FeedError) || error.status === 401) throw error;
    const refused = error.status === 403;
    return resultPage(
      refused ? 403 : 503,
      refused ? "The audit feed refused" : "The audit feed failed",
      refused
        ? `${error.message} Reading the audit trail needs the right to list auditrecords.stagegate.io (the ` +
            "stagegate-auditor ClusterRole); ask for it to see retrospectives."
        : error.message,
      session,
      back,
    );
  }
  const keep = retroKeeps(namespace);
  const items = read.items.filter((item) => keep(item.entry));
  const model = buildRetro(items, { namespace, name }, feedChainProof(read), now, RETRO_DEFAULTS);
  if (!model.found) {
    return resultPage(
      404,
      "Nothing recorded",
      `The audit trail holds no entry about release ${name} in namespace ${namespace}.`,
      session,
      back,
    );
  }
  const notices = read.truncated
    ? [`The record is larger than ${MAX_FEED_ENTRIES} entries; this retrospective read only the first ones.`]
    : [];
  const body = templates.retro({
    notices,
    back,
    retro: bodyOf((await retroTemplate()).render(model)),
  });
  return { status: 200, html: layout(model.title, body, session) };
}
