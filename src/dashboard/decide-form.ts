import { z } from "zod";
import { formatTimestamp, parseDuration } from "../runtime/duration.js";
import { ApiError } from "../runtime/kube/api-error.js";
import { CommandError } from "../cli/errors.js";
import { describeDecision, recordDecision } from "../cli/record-decision.js";
import { resultPage, type Page } from "./pages.js";
import type { Session } from "./sessions.js";

const blankAsUndefined = (text: string | undefined): string | undefined =>
  text === undefined || text.trim() === "" ? undefined : text.trim();

/** A duration as `stagegate defer --revisit-in` takes it (30m, 24h, 1h30m), in milliseconds; NaN when it is not one. */
function durationMs(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return Number.NaN;
  }
}

/**
 * The decide form: which change, which decision, an optional comment and, for Defer only, when to revisit it (as
 * `stagegate defer --revisit-in`): Defer without a revisit time, or Approve/Reject with one, is refused naming the
 * field, so a typed revisit time is never silently dropped.
 */
export const DecideForm = z
  .object({
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a namespace name"),
    change: z.string().min(1).max(253),
    decision: z.enum(["Approve", "Reject", "Defer"]),
    comment: z.string().max(4096).optional().transform(blankAsUndefined),
    revisitIn: z.string().max(32).optional().transform(blankAsUndefined),
  })
  .superRefine((form, ctx) => {
    if (form.decision !== "Defer") {
      if (form.revisitIn !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["revisitIn"],
          message: `a revisit time is only for Defer; clear it, or press Defer instead of ${form.decision}`,
        });
      }
      return;
    }
    if (form.revisitIn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["revisitIn"],
        message:
          "Defer needs a revisit time such as 24h: say when the deferred change should be looked at again",
      });
      return;
    }
    const ms = durationMs(form.revisitIn);
    if (!Number.isFinite(ms) || ms < 1000) {
      ctx.addIssue({
        code: "custom",
        path: ["revisitIn"],
        message: `"${form.revisitIn}" is not a duration of at least 1s, such as 30m, 24h or 1h30m`,
      });
    }
  });
export type DecideForm = z.infer<typeof DecideForm>;

const PAST = { Approve: "approved", Reject: "rejected", Defer: "deferred" } as const;

/**
 * Records the user's decision exactly as `stagegate approve|reject|defer` does ({@link recordDecision}: a merge patch
 * of only their own entry, keyed by the name the API server authenticated), with their own token; a Defer carries
 * its revisit time, now plus the form's duration, as `stagegate defer --revisit-in` computes it. The admission
 * webhook stamps who and when and may refuse. A refusal is shown in the server's words.
 */
export async function decide(session: Session, form: DecideForm, now: Date): Promise<Page> {
  const second = Math.floor(now.getTime() / 1000) * 1000;
  const revisitAt =
    form.decision === "Defer" && form.revisitIn !== undefined
      ? formatTimestamp(new Date(second + durationMs(form.revisitIn)))
      : undefined;
  const entry = {
    decision: form.decision,
    ...(form.comment === undefined ? {} : { comment: form.comment }),
    decidedAt: formatTimestamp(new Date(second)),
    ...(revisitAt === undefined ? {} : { revisitAt }),
  };
  try {
    const recorded = await recordDecision(session.client, form.namespace, form.change, entry);
    const approves = Object.values(recorded.approval.spec.decisions).filter(
      (d) => d.decision === "Approve",
    ).length;
    return resultPage(
      200,
      "Decision recorded",
      `${recorded.user} ${PAST[form.decision]} ChangeRequest "${form.change}" in ` +
        `namespace "${form.namespace}" (${approves} of ${recorded.approval.spec.required} approvals so far). ` +
        `Recorded: ${describeDecision(recorded.stored)}.`,
      session,
      "/waiting",
    );
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const cause = error.cause instanceof ApiError ? error.cause.status : 409;
    const status = cause >= 400 && cause < 600 ? cause : 409;
    return resultPage(status, "Decision refused", error.message, session, "/waiting");
  }
}
