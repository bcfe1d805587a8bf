import { resources } from "../../controllers/resources.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { Check } from "./check-context.js";
import { failed, passed, unknown, type CheckVerdict } from "./check-result.js";
import { PROBE_NAME, PROBE_RULE, probeValidatingWebhook, type ProbeOutcome } from "./webhook-probes.js";

/** The note the webhook adds to a denial it could not record (src/webhooks/audit-outcome.ts). */
const TRAIL_DOWN = "(The audit trail is unavailable too:";

const NOT_OBSERVABLE =
  "Each replica appends its audit trail to a file (--audit-log) inside its pod, or to the PostgreSQL store " +
  "(--audit-database-url); whether it takes entries cannot be observed from the API server without exec or a write.";

/**
 * Judges the answer to the real (not dry-run) probe: the webhook writes its AdmissionDenied entry before it answers,
 * and says so in the denial when the write failed. Pure.
 */
export function judgeAuditProbe(outcome: ProbeOutcome, namespace: string): CheckVerdict {
  if (outcome.kind === "refusedByOperator") {
    const at = outcome.message.indexOf(TRAIL_DOWN);
    if (at >= 0) {
      return failed(
        `The replica that answered could not write its audit trail: ${outcome.message.slice(at + 1).replace(/\)\s*$/, "")}`,
        "Check the volume behind --audit-log on every operator pod (mounted, writable, not full), or the database " +
          "of --audit-database-url (reachable, set up by `stagegate audit setup-database`); until it is " +
          "fixed every write the webhooks judge is refused (AuditUnavailable).",
      );
    }
    return passed(
      `A replica recorded the probe's refusal (AdmissionDenied, ${PROBE_RULE}, ChangeRequest ${namespace}/${PROBE_NAME}) in its audit trail before answering.`,
      [
        "With several replicas the API server reaches one of them per request: this proves the trail of the one that answered.",
      ],
    );
  }
  return unknown(
    `${NOT_OBSERVABLE} The probe that would have shown it was not refused by the operator (${outcome.kind}).`,
    "Fix what webhooks-answering reports, then run again with --probe-audit.",
  );
}

/**
 * The audit storage is writable, as far as it can be seen from outside: by default it cannot, and the check says
 * so (unknown). With --probe-audit it sends one ChangeRequest the webhook refuses for real, which the answering
 * replica records as AdmissionDenied (the operator's own rule; nothing is stored), and reads the denial.
 */
export const auditStorageCheck: Check = {
  name: "audit-storage",
  title: "The audit storage is writable",
  async run(ctx) {
    const namespace = ctx.options.probeNamespace;
    if (!ctx.options.probeAudit) {
      return unknown(
        NOT_OBSERVABLE,
        "Run with --probe-audit: one request the webhook refuses is recorded (an AdmissionDenied entry by you), " +
          "and its answer shows whether the trail took it.",
        [
          "The operator does not start when it cannot open its trail, and its webhooks refuse (AuditUnavailable) " +
            "what they cannot record; each replica counts failed writes in stagegate_audit_write_failures_total " +
            "on its /metrics, which an in-cluster Prometheus can alert on.",
        ],
      );
    }
    // Only once a dry run has shown that the operator refuses this probe: a real create must never be stored.
    const dryRun = await ctx.validatingProbe();
    if (dryRun.kind !== "refusedByOperator") return judgeAuditProbe(dryRun, namespace);
    const outcome = await probeValidatingWebhook(ctx.client, namespace, false);
    if (outcome.kind === "admitted") {
      await ctx.client.delete(resources.changeRequest, PROBE_NAME, namespace).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    return judgeAuditProbe(outcome, namespace);
  },
};
