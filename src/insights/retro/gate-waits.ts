import type { StoredAuditEntry } from "../../audit/entry.js";
import { detail } from "../../audit/reports/details.js";
import { isGateCategory, primaryCategory } from "../../policy/gate-categories.js";
import { formatSpan } from "../patterns/span.js";

/** What the gate of one promotion said it waited on, from one recorded change to the next. */
export interface GateWaitSpan {
  /** The category the span is counted under (`primaryCategory`): refused, previous, checks, approvals, ... */
  category: string;
  /** Every category that held, and the gate's reason codes. */
  categories: string[];
  reasons: string[];
  from: string;
  to: string;
  ms: number;
  span: string;
}

/**
 * The gate waits recorded for one promotion of a release into an environment (`GateWaitChanged`, ADR 0053): the
 * entries about the environment after the previous promotion there and up to this one, whose promotion count (when
 * recorded) is this one's. Each change's categories hold until the next change or the promotion; a change to no
 * category ends a wait. Undefined when no entry was recorded for the promotion (a trail from before the entries
 * existed): what the gate waited on is then not on record, and nothing is guessed. Pure.
 */
export function gateWaitsOf(
  entries: readonly StoredAuditEntry[],
  environment: string,
  window: { after: string | undefined; promotedAt: string; count: number },
): GateWaitSpan[] | undefined {
  const after = window.after === undefined ? Number.NEGATIVE_INFINITY : Date.parse(window.after);
  const end = Date.parse(window.promotedAt);
  const seen = new Set<string>();
  const changes = entries
    .filter((e) => {
      if (e.action !== "GateWaitChanged" || e.object.kind !== "Release") return false;
      if (detail.text(e, "environment") !== environment) return false;
      const count = detail.number(e, "promotion");
      if (count !== undefined && count !== window.count) return false;
      const at = Date.parse(e.time);
      if (!(at > after && at <= end)) return false;
      // One fact per transition: two replicas' files merged hold it twice.
      const key = e.transition ?? `${e.time}/${e.hash}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  if (changes.length === 0) return undefined;
  const spans: GateWaitSpan[] = [];
  changes.forEach((change, i) => {
    const categories = detail.texts(change, "categories").filter(isGateCategory);
    const category = primaryCategory(categories);
    if (category === undefined) return;
    const to = changes[i + 1]?.time ?? window.promotedAt;
    const ms = Date.parse(to) - Date.parse(change.time);
    if (!Number.isFinite(ms) || ms <= 0) return;
    spans.push({
      category,
      categories,
      reasons: detail.texts(change, "reasons"),
      from: change.time,
      to,
      ms,
      span: formatSpan(ms),
    });
  });
  return spans;
}
