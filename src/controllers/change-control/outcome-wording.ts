import { nameList, sentence } from "../deployment-task/wording.js";
import type { CountedSpec, OutcomeVerdict } from "./outcome.js";

/**
 * The sentence that explains an outcome to a person, for the Approval's `Decided` condition, the change's
 * `Approved` condition and the events: who settled it and when, how many approvals counted, what is still
 * missing and until when, and which decisions did not count and why.
 */
export function describeOutcome(
  verdict: OutcomeVerdict,
  spec: Pick<CountedSpec, "required">,
  expiresAt: string | undefined,
): string {
  const counted = `${verdict.approvals} of ${spec.required} required ${spec.required === 1 ? "approval" : "approvals"}`;
  const who = verdict.approvers.length === 0 ? "" : ` (${verdict.approvers.join(", ")})`;
  const said = verdict.comment?.trim().replace(/[.!?]+$/, "") ?? "";
  const comment = said === "" ? "" : ` with the comment "${said}"`;
  const at = verdict.decidedAt ?? "";
  const by = verdict.decidedBy ?? "";
  const ignored =
    verdict.ignored.length === 0
      ? ""
      : `not counted: ${verdict.ignored.map((i) => `${i.user} (${i.why})`).join(", ")}`;
  switch (verdict.outcome) {
    case "Approved":
      return sentence([`approved at ${at}, settled by ${by}, with ${counted}${who}`, ignored]);
    case "Rejected":
      return sentence([`rejected by ${by} at ${at}${comment}`, ignored]);
    case "Deferred":
      return sentence([
        `deferred by ${by} at ${at} until ${verdict.revisitAt ?? "an unknown time"}${comment}`,
        ignored,
      ]);
    case "Expired":
      return sentence([`expired at ${at} without a decision, with ${counted}${who}`, ignored]);
    case "Pending": {
      const short = Math.max(spec.required - verdict.approvals, 0);
      const waiting = [
        short > 0 ? `${short} more ${short === 1 ? "approval" : "approvals"}` : "",
        verdict.missingGroups.length > 0
          ? `an approval from a member of ${nameList("group", "groups", verdict.missingGroups)}`
          : "",
      ].filter((w) => w !== "");
      const until = expiresAt === undefined ? "" : `; it expires at ${expiresAt}`;
      return sentence([`${counted}${who}; waiting for ${waiting.join(" and ")}${until}`, ignored]);
    }
  }
}
