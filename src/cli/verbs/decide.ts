import type { Decision, DecisionValue } from "../../api/v1alpha1/approval.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import {
  ApprovalObject,
  approvals,
  getChangeRequest,
  getCurrentApproval,
  parseServerObject,
} from "../change-control.js";
import { CommandError, explainApiErrors } from "../errors.js";
import { expectPositionals, formatFlags, parseVerbArgs } from "../flags.js";
import { reviewSelf } from "../../runtime/kube/self-review.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type CliIo, type Verb } from "../verb.js";
import {
  DECIDE_FLAGS,
  DECISION_VERBS,
  parseDecideFlags,
  revisitTime,
  type DecideOptions,
} from "./decide-options.js";

export type { DecideOptions } from "./decide-options.js";

function describeDecision(decision: Decision): string {
  const comment = decision.comment === undefined ? "" : ` ("${decision.comment}")`;
  const revisit = decision.revisitAt === undefined ? "" : `, revisit at ${decision.revisitAt}`;
  return `${decision.decision} at ${decision.decidedAt}${revisit}${comment}`;
}

/** What {@link recordDecision} stored: where, as whom, and the Approval as the server returned it. */
interface RecordedDecision {
  namespace: string;
  user: string;
  approval: ApprovalObject;
  stored: Decision;
}

/**
 * Reads who I am, the ChangeRequest and its current Approval, refuses a second decision of mine (showing the
 * first), then merge-patches my entry. Each server refusal says which step failed, in the server's words.
 */
async function recordDecision(
  client: KubeClient,
  namespace: string,
  name: string,
  entry: Omit<Decision, "groups">,
): Promise<RecordedDecision> {
  const me = await explainApiErrors("tell who you are", () => reviewSelf(client));
  const change = await explainApiErrors(`read ChangeRequest "${name}"`, () =>
    getChangeRequest(client, namespace, name),
  );
  const approval = await explainApiErrors(`read the Approval of "${name}"`, () =>
    getCurrentApproval(client, change),
  );
  const existing = approval.spec.decisions[me.username];
  if (existing !== undefined) {
    throw new CommandError(
      `you (${me.username}) already decided ChangeRequest "${name}": ${describeDecision(existing)}. ` +
        "A decision once written can be neither changed nor removed.",
    );
  }
  const patch = { spec: { decisions: { [me.username]: entry } } };
  const patched = await explainApiErrors(`record your decision on "${name}"`, async () =>
    parseServerObject(
      ApprovalObject,
      await client.patch(approvals, approval.metadata.name, namespace, patch, { type: "merge" }),
      "Approval",
    ),
  );
  const stored = patched.spec.decisions[me.username];
  if (stored === undefined) {
    throw new CommandError(
      `the server accepted the patch but Approval "${patched.metadata.name}" holds no decision of yours.`,
    );
  }
  return { namespace, user: me.username, approval: patched, stored };
}

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
