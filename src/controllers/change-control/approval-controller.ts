import { ApprovalSpec, ApprovalStatus } from "../../api/v1alpha1/approval.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { TerminalError } from "../../runtime/errors.js";
import type { AuditEvent } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { objectKey } from "../../runtime/kube/object.js";
import { markStalled } from "../../runtime/stalled.js";
import { updateStatus } from "../../runtime/status-writer.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { describeZodError } from "../validation.js";
import { decideApproval, type ApprovalDecision, type ApprovalDecisionInput } from "./approval-decide.js";
import { approvalDecisionInput } from "./approval-input.js";
import { withApprovalEscalation, type ApprovalEscalationInput } from "./approval-escalation.js";
import type { EscalationStep } from "../../api/v1alpha1/escalation-status.js";
import { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { escalationCounter } from "../escalation-metrics.js";

const CHANGE_REQUEST = "changeRequest";

/** What one pass writes: a decision, or a closed Approval's stored status left exactly as it is. */
type Written = {
  status: unknown;
  audit: AuditEvent[];
  requeueAfterMs?: number;
  escalated?: EscalationStep[];
};

/** Whether an Approval is closed; from then on nothing is written to it. */
function isClosed(obj: KubeObject): boolean {
  return typeof (obj.status as { closedAt?: unknown } | undefined)?.closedAt === "string";
}

/** The ChangeRequest an Approval decides, as a cache key. */
function changeRequestKey(obj: KubeObject): string | undefined {
  const name = (obj.spec as { changeRequestRef?: { name?: unknown } } | undefined)?.changeRequestRef?.name;
  return typeof name === "string" ? `${obj.metadata.namespace ?? ""}/${name}` : undefined;
}

/**
 * The Approval controller: counts each Approval's decisions into its outcome, stamps when it expires and
 * wakes at exactly that instant, and closes it when its ChangeRequest closes. It is the only writer of
 * Approval status; decisions are written by approvers.
 */
export function createApprovalController(deps: ControllerDeps, informers: Informers): Controller {
  const approvals = informers.approvals;
  const rt = resources.approval;
  const escalations = escalationCounter(deps);
  approvals.store.addIndex(CHANGE_REQUEST, (obj) => {
    const key = changeRequestKey(obj);
    return key === undefined ? [] : [key];
  });

  /** Reads the Approval's ChangeRequest and that change's Environment from the cache. */
  function gather(
    obj: KubeObject,
    spec: ApprovalSpec,
    status: ApprovalStatus | undefined,
  ): ApprovalDecisionInput {
    const change = informers.changeRequests.store.get(changeRequestKey(obj) ?? "");
    const changeSpec = ChangeRequestSpec.safeParse(change?.spec);
    const changeStatus = ChangeRequestStatus.safeParse(change?.status ?? {});
    const env = changeSpec.success
      ? informers.environments.store.get(changeSpec.data.environment)
      : undefined;
    const envSpec = EnvironmentSpec.safeParse(env?.spec);
    return approvalDecisionInput(
      { metadata: obj.metadata, spec, status },
      changeSpec.success
        ? { spec: changeSpec.data, status: changeStatus.success ? changeStatus.data : undefined }
        : undefined,
      envSpec.success ? envSpec.data.gate.approvalTimeout : undefined,
    );
  }

  /** The approval chain of the change's Environment and the people behind its roles. */
  function escalationInput(current: KubeObject, status: ApprovalStatus | undefined): ApprovalEscalationInput {
    const change = ChangeRequestSpec.safeParse(
      informers.changeRequests.store.get(changeRequestKey(current) ?? "")?.spec,
    );
    const env = change.success
      ? EnvironmentSpec.safeParse(informers.environments.store.get(change.data.environment)?.spec)
      : undefined;
    const release = change.success
      ? ReleaseSpec.safeParse(
          informers.releases.store.get(`${current.metadata.namespace ?? ""}/${change.data.releaseRef.name}`)
            ?.spec,
        )
      : undefined;
    const gate = env?.success === true ? env.data.gate : undefined;
    return {
      metadata: current.metadata,
      chain: env?.success === true ? env.data.escalation?.approvals : undefined,
      previous: status?.escalation,
      approvers: [
        ...(gate?.approvers?.users ?? []).map((name) => ({ kind: "User" as const, name })),
        ...(gate?.approvers?.groups ?? []).map((name) => ({ kind: "Group" as const, name })),
      ],
      releaseManager: release?.success === true ? release.data.owners.releaseManager : undefined,
      cabGroup: gate?.cabGroup,
    };
  }

  /** Decides an Approval from one copy of it (the cached one, or a fresh read after a conflict). */
  function decideFrom(current: KubeObject, now: Date): ApprovalDecision & { escalated: EscalationStep[] } {
    const spec = ApprovalSpec.safeParse(current.spec);
    if (!spec.success) throw new TerminalError("InvalidSpec", describeZodError("spec", spec.error));
    const parsed = ApprovalStatus.safeParse(current.status ?? {});
    const status = parsed.success ? parsed.data : undefined;
    const decided = decideApproval(gather(current, spec.data, status), now);
    return withApprovalEscalation(decided, escalationInput(current, status), now);
  }

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const obj = approvals.store.get(req.key);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) return {};
    if (isClosed(obj)) return {};
    const now = deps.clock.now();
    const { written, decision } = await updateStatus(
      deps.client,
      rt,
      obj,
      // A closed Approval is frozen: if a fresh read shows it closed, the stored status is the decision.
      (current): Written =>
        isClosed(current) ? { status: current.status, audit: [] } : decideFrom(current, now),
      { signal: req.signal },
      // Decisions go on record before the status that counts them (ADR 0031).
      async (decision) => {
        for (const entry of decision.audit) await deps.audit.record(entry);
      },
    );
    if (written) {
      req.log.debug("Updated approval status");
      for (const step of decision.escalated ?? [])
        escalations.inc({ kind: "approval", level: String(step.level) });
    }
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  }

  return new Controller(
    {
      name: "approval",
      primary: approvals,
      workers: deps.workers,
      reconcile,
      watches: [
        {
          informer: informers.changeRequests,
          toKeys: (event) => approvals.store.byIndex(CHANGE_REQUEST, objectKey(event.object)).map(objectKey),
        },
        {
          // An Approval whose Environment was missing has no expiry yet; any Environment event may supply it.
          informer: informers.environments,
          toKeys: () =>
            approvals.store
              .list()
              .filter((obj) => (obj.status as { expiresAt?: unknown } | undefined)?.expiresAt === undefined)
              .map(objectKey),
        },
      ],
      onTerminalError: async (req, err) => {
        const obj = approvals.store.get(req.key);
        if (obj !== undefined) await markStalled(deps, rt, obj, err, { signal: req.signal });
      },
    },
    deps.log,
    deps.metrics,
  );
}
