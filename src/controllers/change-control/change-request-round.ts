import type { ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { formatTimestamp, parseTimestamp } from "../../runtime/duration.js";
import { decideApprovalPath } from "./approval-spec.js";
import { audit, block, type Pass } from "./change-request-pass.js";
import { approvalName, ChangeReason, POLICY } from "./reasons.js";
import { assessRisk } from "./risk.js";

/**
 * Whether the change may need a new round, leaving time aside: it has neither a round nor a resolution yet, or
 * it was deferred. The reconciler reads the inputs only a round needs (the delivery target's labels) when this
 * holds.
 */
export function mayOpenRound(status: ChangeRequestStatus | undefined): boolean {
  if (status?.closedAt !== undefined) return false;
  if (status?.resolution === undefined) return status?.approvalRef === undefined;
  return status.resolution === "Deferred";
}

/** Whether a round is due now: the first one, or the next one of a deferred change once `revisitAt` came. */
export function roundDue(status: ChangeRequestStatus | undefined, now: Date): boolean {
  if (!mayOpenRound(status)) return false;
  if (status?.resolution !== "Deferred") return true;
  const revisit = parseTimestamp(status.revisitAt ?? "");
  return revisit === undefined || revisit.getTime() <= now.getTime();
}

/**
 * The first step of a pass: when a round is due, assess the risk and take the approval path. Approved by
 * policy resolves the change at once (`resolvedBy: policy`); otherwise the round's Approval is planned (round
 * N+1, named `<cr>` or `<cr>-r<N>`), any previous deferral is cleared, and the opening is audited. A missing
 * Environment or Release, or a policy that lets nobody decide, blocks the pass with the reason.
 */
export function openRound(pass: Pass): void {
  const { input, now } = pass;
  if (!roundDue(pass.status, now)) return;
  const { metadata, spec } = input;
  const environment = input.environment;
  if (environment === undefined) return blockEnvironment(pass);
  if (input.release === undefined) {
    return block(
      pass,
      ChangeReason.ReleaseNotFound,
      `Release ${spec.releaseRef.name} does not exist in namespace ${metadata.namespace}: create it, or fix ` +
        "spec.releaseRef.",
    );
  }
  if (input.release.bindingMismatch !== undefined) {
    return block(pass, ChangeReason.ReleaseBindingMismatch, input.release.bindingMismatch);
  }
  const risk = assessRisk({
    type: spec.type,
    regulated: environment.regulated,
    commits: input.release.commits.length,
    criticalTarget: input.criticalTarget,
  });
  const path = decideApprovalPath({
    changeType: spec.type,
    riskClass: risk.riskClass,
    environment,
    requester: spec.requestedBy,
    commits: input.release.commits,
    declarers: input.release.declarers,
    git: input.release.git,
    identities: input.authorPolicy,
  });
  if (path.kind === "blocked") return block(pass, path.reason, path.message);

  const { resolution: _r, resolvedBy: _b, resolvedAt: _a, revisitAt: _v, ...open } = pass.status;
  pass.status = { ...open, riskClass: risk.riskClass, riskRule: risk.rule };
  const riskDetails = { riskClass: risk.riskClass, riskRule: risk.rule };
  if (path.kind === "policy") {
    const resolvedAt = formatTimestamp(now);
    pass.status = { ...pass.status, resolution: "Approved", resolvedBy: POLICY, resolvedAt };
    const message = `${path.message} ${risk.message}`;
    pass.approved = { status: "True", reason: ChangeReason.PreApproved, message };
    audit(
      pass,
      "ChangeApproved",
      message,
      { rule: path.rule, ...riskDetails, resolvedAt },
      { actor: POLICY },
    );
    return;
  }
  const round = (pass.status.round ?? 0) + 1;
  const name = approvalName(metadata.name, round);
  pass.status = { ...pass.status, round, approvalRef: { name } };
  pass.openApproval = { name, round, spec: path.spec };
  pass.approved = {
    status: "Unknown",
    reason: ChangeReason.AwaitingDecision,
    message: awaitingMessage(pass.status, `Approval ${name} (round ${round}): waiting for decisions.`),
  };
  const { required, eligible, requiredGroups, excluded } = path.spec;
  const who = [...eligible.users.map((u) => `user ${u}`), ...eligible.groups.map((g) => `group ${g}`)];
  const cab = requiredGroups.length === 0 ? "" : `, including one from each of ${requiredGroups.join(", ")}`;
  audit(
    pass,
    "ApprovalOpened",
    `Opened Approval ${name} for round ${round}: ${required} ${required === 1 ? "approval" : "approvals"} ` +
      `needed from ${who.join(", ")}${cab}; ${excluded.length} excluded under separation of duties.`,
    {
      round,
      ...riskDetails,
      required,
      eligible,
      requiredGroups,
      excluded,
      ...(path.evidence === undefined ? {} : { separationOfDuties: path.evidence }),
    },
    { object: { kind: "Approval", namespace: metadata.namespace, name } },
  );
}

/** Blocks the pass because the change's Environment does not exist. */
export function blockEnvironment(pass: Pass): void {
  block(
    pass,
    ChangeReason.EnvironmentNotFound,
    `Environment ${pass.input.spec.environment} does not exist: create it, or fix spec.environment.`,
  );
}

/** The `Approved` message while a round is open: the risk as assessed, then the Approval's progress. */
export function awaitingMessage(status: ChangeRequestStatus, progress: string): string {
  const risk =
    status.riskClass === undefined ? "" : `Risk ${status.riskClass} (rule ${status.riskRule ?? ""}). `;
  return `${risk}${progress}`;
}
