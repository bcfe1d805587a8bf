import { z } from "zod";
import { formatTimestamp } from "../runtime/duration.js";
import { ApiError } from "../runtime/kube/api-error.js";
import { CommandError } from "../cli/errors.js";
import { describeDecision, recordDecision } from "../cli/record-decision.js";
import { resultPage, type Page } from "./pages.js";
import type { Session } from "./sessions.js";

/** The decide form: which change, which decision, and an optional comment. Approve and Reject only (no Defer yet). */
export const DecideForm = z.object({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a namespace name"),
  change: z.string().min(1).max(253),
  decision: z.enum(["Approve", "Reject"]),
  comment: z
    .string()
    .max(4096)
    .optional()
    .transform((c) => (c === undefined || c.trim() === "" ? undefined : c.trim())),
});
export type DecideForm = z.infer<typeof DecideForm>;

/**
 * Records the user's decision exactly as `stagegate approve|reject` does ({@link recordDecision}: a merge patch of
 * only their own entry, keyed by the name the API server authenticated), with their own token; the admission
 * webhook stamps who and when and may refuse. A refusal is shown in the server's words.
 */
export async function decide(session: Session, form: DecideForm, now: Date): Promise<Page> {
  const entry = {
    decision: form.decision,
    ...(form.comment === undefined ? {} : { comment: form.comment }),
    decidedAt: formatTimestamp(new Date(Math.floor(now.getTime() / 1000) * 1000)),
  };
  try {
    const recorded = await recordDecision(session.client, form.namespace, form.change, entry);
    const approves = Object.values(recorded.approval.spec.decisions).filter(
      (d) => d.decision === "Approve",
    ).length;
    return resultPage(
      200,
      "Decision recorded",
      `${recorded.user} ${form.decision === "Approve" ? "approved" : "rejected"} ChangeRequest "${form.change}" in ` +
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
