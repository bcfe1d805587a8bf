import { z } from "zod";
import { assessAwaitingDecision } from "../awaiting-decision.js";
import {
  ApprovalObject,
  ChangeRequestObject,
  approvals,
  changeRequests,
  currentApprovalName,
  listAll,
} from "../change-control.js";
import { UsageError, explainApiErrors } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { reviewSelf } from "../../runtime/kube/self-review.js";
import { withSession } from "../kube-session.js";
import { UNSET, formatTable, writeJson } from "../output.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { EXIT, type Verb } from "../verb.js";

const FLAGS = {
  "pending-for-me": {
    type: "boolean",
    help: "only changes whose current Approval is pending and waits for your decision",
  },
  "all-namespaces": { type: "boolean", short: "A", help: "list changes in every namespace" },
  selector: {
    type: "string",
    short: "l",
    value: "SELECTOR",
    help: "only changes with these labels, as kubectl -l (e.g. stagegate.io/team=payments)",
  },
} as const;

const ChangesFlags = z.object({
  pendingForMe: z.boolean(),
  allNamespaces: z.boolean(),
  selector: z.string().max(1024, "--selector must be at most 1024 characters").optional(),
});

/** Options of `stagegate changes`. */
export type ChangesOptions = GlobalOptions & z.infer<typeof ChangesFlags>;

/** One listed change with its current Approval, the shape of `-o json`. */
export interface ChangeSummary {
  namespace: string;
  name: string;
  release: string;
  environment: string;
  type: string;
  risk: string | null;
  resolution: string | null;
  approval: { name: string; outcome: string; approves: number; required: number } | null;
}

/** Summarises a ChangeRequest and its current Approval (if any) for the table and JSON output. */
export function summarizeChange(
  change: ChangeRequestObject,
  approval: ApprovalObject | undefined,
): ChangeSummary {
  return {
    namespace: change.metadata.namespace ?? "",
    name: change.metadata.name,
    release: change.spec.releaseRef.name,
    environment: change.spec.environment,
    type: change.spec.type,
    risk: change.status?.riskClass ?? null,
    resolution: change.status?.resolution ?? null,
    approval:
      approval === undefined
        ? null
        : {
            name: approval.metadata.name,
            outcome: approval.status?.outcome ?? "Pending",
            approves: Object.values(approval.spec.decisions).filter((d) => d.decision === "Approve").length,
            required: approval.spec.required,
          },
  };
}

function printTable(summaries: readonly ChangeSummary[], withNamespace: boolean): string {
  const headers = ["NAME", "RELEASE", "ENVIRONMENT", "TYPE", "RISK", "RESOLUTION", "APPROVAL"];
  const rows = summaries.map((s) => [
    s.name,
    s.release,
    s.environment,
    s.type,
    s.risk ?? UNSET,
    s.resolution ?? UNSET,
    s.approval === null ? UNSET : `${s.approval.outcome} ${s.approval.approves}/${s.approval.required}`,
  ]);
  return withNamespace
    ? formatTable(
        ["NAMESPACE", ...headers],
        rows.map((row, i) => [summaries[i]?.namespace ?? "", ...row]),
      )
    : formatTable(headers, rows);
}

/**
 * Reads the ChangeRequests and Approvals of one namespace (or all) and pairs each change with its current
 * Approval; with `pendingForMe`, keeps only the changes whose Approval waits for the caller's decision.
 */
async function summarizeChanges(
  client: KubeClient,
  namespace: string | undefined,
  pendingForMe: boolean,
  selector?: string,
): Promise<ChangeSummary[]> {
  // ChangeRequests first, so a refusal always names the same step (a bad selector too); then the rest in parallel.
  const step = selector === undefined ? "list ChangeRequests" : `list ChangeRequests with -l "${selector}"`;
  const changes = await explainApiErrors(step, () =>
    listAll(client, changeRequests, ChangeRequestObject, namespace, selector),
  );
  const [openApprovals, me] = await Promise.all([
    explainApiErrors("list Approvals", () => listAll(client, approvals, ApprovalObject, namespace)),
    pendingForMe ? explainApiErrors("tell who you are", () => reviewSelf(client)) : undefined,
  ]);
  const byKey = new Map(openApprovals.map((a) => [`${a.metadata.namespace ?? ""}/${a.metadata.name}`, a]));
  return changes
    .map((change) => {
      const found = byKey.get(`${change.metadata.namespace ?? ""}/${currentApprovalName(change)}`);
      // An Approval of the same name that decides another change is not this change's Approval.
      const approval = found?.spec.changeRequestRef.name === change.metadata.name ? found : undefined;
      return { change, approval };
    })
    .filter(
      ({ approval }) =>
        me === undefined || (approval !== undefined && assessAwaitingDecision(approval, me).pass),
    )
    .map(({ change, approval }) => summarizeChange(change, approval))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/**
 * `stagegate changes`: lists ChangeRequests with their type, environment, risk, resolution and current
 * Approval; with --pending-for-me only those that wait for the caller's decision.
 */
export const changesVerb: Verb<ChangesOptions> = {
  name: "changes",
  summary: "List ChangeRequests, or only those waiting for your decision",
  usage: [
    "Usage: stagegate changes [--pending-for-me] [-A] [flags]",
    "",
    "Lists ChangeRequests with their type, environment, risk class, resolution and current Approval",
    '("Pending 1/2": one Approve of the two required). With --pending-for-me, only the changes whose current',
    "Approval is pending, lists you or one of your groups as eligible, does not exclude you, and has no",
    "decision of yours yet.",
    "",
    formatFlags(FLAGS),
    "",
    "Example:",
    "  stagegate changes --pending-for-me -A",
    "  stagegate changes -A -l stagegate.io/team=payments,stagegate.io/customer-impact=high",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("changes", argv, env, FLAGS);
    expectPositionals(positionals, []);
    const flags = validateFlags(ChangesFlags, {
      pendingForMe: values["pending-for-me"] === true,
      allNamespaces: values["all-namespaces"] === true,
      selector: typeof values.selector === "string" ? values.selector : undefined,
    });
    if (flags.allNamespaces && global.namespace !== undefined) {
      throw new UsageError("--all-namespaces and --namespace cannot be used together: drop one of them.");
    }
    return { ...global, ...flags };
  },

  async run(options, io) {
    const { namespace, summaries } = await withSession(io, options.kubeconfig, async (session) => {
      const ns = options.allNamespaces ? undefined : (options.namespace ?? session.namespace);
      return {
        namespace: ns,
        summaries: await summarizeChanges(session.client, ns, options.pendingForMe, options.selector),
      };
    });
    if (options.output === "json") {
      writeJson(io, summaries);
    } else if (summaries.length === 0) {
      const where = namespace === undefined ? "any namespace" : `namespace "${namespace}"`;
      io.stderr(
        options.pendingForMe
          ? `No ChangeRequest in ${where} waits for your decision.\n`
          : `No ChangeRequests in ${where}.\n`,
      );
    } else {
      io.stdout(printTable(summaries, namespace === undefined));
    }
    return EXIT.ok;
  },
};
