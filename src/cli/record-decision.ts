// The one way a decision is recorded, shared by `stagegate approve|reject|defer` and the dashboard: both patch
// exactly the caller's own entry with the caller's own credentials, so the API server stamps the same identity.
import type { Decision } from "../api/v1alpha1/approval.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { reviewSelf } from "../runtime/kube/self-review.js";
import {
  ApprovalObject,
  approvals,
  getChangeRequest,
  getCurrentApproval,
  parseServerObject,
} from "./change-control.js";
import { CommandError, explainApiErrors } from "./errors.js";

/** A stored decision in one sentence: what, when, the revisit time and the comment. */
export function describeDecision(decision: Decision): string {
  const comment = decision.comment === undefined ? "" : ` ("${decision.comment}")`;
  const revisit = decision.revisitAt === undefined ? "" : `, revisit at ${decision.revisitAt}`;
  return `${decision.decision} at ${decision.decidedAt}${revisit}${comment}`;
}

/** What {@link recordDecision} stored: where, as whom, and the Approval as the server returned it. */
export interface RecordedDecision {
  namespace: string;
  user: string;
  approval: ApprovalObject;
  stored: Decision;
}

/**
 * Reads who the client is (SelfSubjectReview), the ChangeRequest and its current Approval, refuses a second
 * decision of the caller's (showing the first), then merge-patches the caller's entry keyed by the user name the
 * API server authenticated. Each server refusal is a CommandError saying which step failed, in the server's words.
 */
export async function recordDecision(
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
