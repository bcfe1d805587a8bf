import type { DecisionValue } from "../../api/v1alpha1/approval.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { formatFlags, expectPositionals, parseVerbArgs } from "../flags.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { describeDecision, recordDecision, type RecordedDecision } from "../record-decision.js";
import { EXIT, type CliIo, type Verb } from "../verb.js";
import {
  DECIDE_FLAGS,
  DECISION_VERBS,
  parseDecideFlags,
  revisitTime,
  type DecideOptions,
} from "./decide-options.js";

export type { DecideOptions } from "./decide-options.js";

/** Prints the stored decision: a sentence with the Approval's progress, or the JSON form. */
function reportDecision(io: CliIo, options: DecideOptions, recorded: RecordedDecision, past: string): void {
  const { namespace, user, approval, stored } = recorded;
  if (options.output === "json") {
    writeJson(io, {
      namespace,
      changeRequest: options.change,
      approval: approval.metadata.name,
      user,
      decision: stored,
    });
    return;
  }
  const approves = Object.values(approval.spec.decisions).filter((d) => d.decision === "Approve").length;
  io.stdout(
    `${user} ${past} ChangeRequest "${options.change}" in namespace "${namespace}" ` +
      `(Approval "${approval.metadata.name}": ${approves} of ${approval.spec.required} approvals so far).\n` +
      `Recorded: ${describeDecision(stored)}\n`,
  );
}

/**
 * Builds the verb that records one kind of decision. It merge-patches exactly the caller's own entry into the
 * current Approval's spec.decisions, as `kubectl patch --type merge` would, keyed by the user name the API
 * server authenticated; the admission webhook and CEL rules decide whether it counts.
 */
function decisionVerb(decision: DecisionValue): Verb<DecideOptions> {
  const { name, past, summary } = DECISION_VERBS[decision];
  const synopsis =
    decision === "Defer"
      ? "stagegate defer CHANGE (--revisit-in DURATION | --revisit-at TIME) [--comment TEXT] [flags]"
      : `stagegate ${name} CHANGE [--comment TEXT] [flags]`;
  const flags = decision === "Defer" ? DECIDE_FLAGS : { comment: DECIDE_FLAGS.comment };
  return {
    name,
    summary,
    usage: [
      `Usage: ${synopsis}`,
      "",
      `Records your decision "${decision}" on the current Approval of ChangeRequest CHANGE, under the user name`,
      "the API server knows you by (see stagegate whoami). A decision once written cannot be changed.",
      "",
      formatFlags(flags),
      "",
      "Example:",
      decision === "Defer"
        ? "  stagegate defer payments-api-2.14.0-prod -n payments --revisit-in 24h --comment 'after the freeze'"
        : `  stagegate ${name} payments-api-2.14.0-prod -n payments --comment 'rollback plan reviewed'`,
    ].join("\n"),

    parse(argv, env) {
      const { global, values, positionals } = parseVerbArgs(name, argv, env, DECIDE_FLAGS);
      const [change = ""] = expectPositionals(positionals, ["CHANGE"]);
      return { ...global, ...parseDecideFlags(decision, values, change) };
    },

    async run(options, io) {
      // Whole seconds, as Kubernetes writes times; the admission webhook replaces decidedAt with its own clock.
      const now = new Date(Math.floor(io.now().getTime() / 1000) * 1000);
      const entry = {
        decision,
        comment: options.comment,
        decidedAt: formatTimestamp(now),
        revisitAt: revisitTime(options, now),
      };
      const recorded = await withSession(io, options.kubeconfig, ({ client, namespace }) =>
        recordDecision(client, options.namespace ?? namespace, options.change, entry),
      );
      reportDecision(io, options, recorded, past);
      return EXIT.ok;
    },
  };
}

/** `stagegate approve CHANGE`: records the caller's Approve. */
export const approveVerb = decisionVerb("Approve");
/** `stagegate reject CHANGE`: records the caller's Reject; a single Reject rejects the change. */
export const rejectVerb = decisionVerb("Reject");
/** `stagegate defer CHANGE --revisit-in|--revisit-at`: records the caller's Defer with its revisit time. */
export const deferVerb = decisionVerb("Defer");
