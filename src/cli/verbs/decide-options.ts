import { z } from "zod";
import type { DecisionValue } from "../../api/v1alpha1/approval.js";
import { formatTimestamp, parseDuration } from "../../runtime/duration.js";
import { UsageError } from "../errors.js";
import { validateFlags, type GlobalOptions } from "../flags.js";

/** The flags of the decision verbs; the revisit flags are accepted everywhere so approve/reject can explain. */
export const DECIDE_FLAGS = {
  comment: { type: "string", value: "TEXT", help: "why you decide this way (recorded with the decision)" },
  "revisit-at": { type: "string", value: "TIME", help: "defer only: revisit at this RFC 3339 time" },
  "revisit-in": { type: "string", value: "DURATION", help: "defer only: revisit after this long, e.g. 24h" },
} as const;

const DecideFlags = z.object({
  change: z
    .string()
    .max(253, "CHANGE must be at most 253 characters")
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      "CHANGE must be a ChangeRequest name (lowercase letters, digits, '-' and '.')",
    ),
  comment: z.string().max(4096, "--comment must be at most 4096 characters").optional(),
  revisitAt: z.iso
    .datetime({
      offset: true,
      error: "--revisit-at must be an RFC 3339 time with a zone, such as 2026-12-08T09:00:00Z",
    })
    .optional(),
  revisitInMs: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: "--revisit-in must be a duration such as 30m, 24h or 1h30m",
        });
        return z.NEVER;
      }
    })
    .pipe(z.number().positive("--revisit-in must be longer than 0s"))
    .optional(),
});

/** Options of `stagegate approve|reject|defer`: the change, the comment and, for defer, when to revisit. */
export type DecideOptions = GlobalOptions & z.infer<typeof DecideFlags>;

/** The wording of each decision verb. */
export const DECISION_VERBS = {
  Approve: {
    name: "approve",
    past: "approved",
    summary: "Approve a ChangeRequest (your decision on its Approval)",
  },
  Reject: {
    name: "reject",
    past: "rejected",
    summary: "Reject a ChangeRequest; one Reject rejects the change",
  },
  Defer: { name: "defer", past: "deferred", summary: "Defer a ChangeRequest until a revisit time" },
} as const satisfies Record<DecisionValue, { name: string; past: string; summary: string }>;

/** Validates the flags of one decision verb; the revisit flags belong to defer, which needs exactly one. */
export function parseDecideFlags(
  decision: DecisionValue,
  values: Readonly<Record<string, unknown>>,
  change: string,
) {
  const revisitAt = values["revisit-at"];
  const revisitIn = values["revisit-in"];
  if (decision !== "Defer") {
    const given =
      revisitAt !== undefined ? "--revisit-at" : revisitIn !== undefined ? "--revisit-in" : undefined;
    if (given !== undefined) {
      throw new UsageError(
        `${given} is only for "stagegate defer"; drop it from ${DECISION_VERBS[decision].name}.`,
      );
    }
  } else if (revisitAt === undefined && revisitIn === undefined) {
    throw new UsageError(
      "--revisit-in DURATION (e.g. 24h) or --revisit-at TIME (RFC 3339) is required: " +
        "say when the deferred change should be looked at again.",
    );
  } else if (revisitAt !== undefined && revisitIn !== undefined) {
    throw new UsageError("give either --revisit-at or --revisit-in, not both.");
  }
  return validateFlags(DecideFlags, { change, comment: values.comment, revisitAt, revisitInMs: revisitIn });
}

/** When a deferred change is revisited, checked against the clock: it must lie in the future. */
export function revisitTime(options: DecideOptions, now: Date): string | undefined {
  const at =
    options.revisitInMs !== undefined
      ? new Date(now.getTime() + options.revisitInMs)
      : options.revisitAt === undefined
        ? undefined
        : new Date(options.revisitAt);
  if (at === undefined) return undefined;
  if (at.getTime() <= now.getTime()) {
    throw new UsageError(`--revisit-at ${options.revisitAt ?? ""} is not in the future: give a later time.`);
  }
  return formatTimestamp(at);
}
