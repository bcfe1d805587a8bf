import { ApprovalSpec, ApprovalStatus } from "../../api/v1alpha1/approval.js";
import { pinnedReleaseSpec } from "../../api/v1alpha1/pinned-release.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { DeploymentTaskSpec } from "../../api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { effectiveEnvironment } from "../../workflow/effective-environment.js";
import { declarersOf } from "../../api/v1alpha1/declarer.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { TerminalError } from "../../runtime/errors.js";
import { isConflict } from "../../runtime/kube/api-error.js";
import type { CallOptions } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { objectKey } from "../../runtime/kube/object.js";
import { markStalled } from "../../runtime/stalled.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { describeZodError } from "../validation.js";
import {
  decideChangeRequest,
  type ChangeRequestDecision,
  type ChangeRequestDecisionInput,
} from "./change-request-decide.js";
import { mayOpenRound, roundDue } from "./change-request-round.js";
import { gatherGitAuthors } from "./commit-authors.js";
import { releaseBindingMismatch } from "./separation-of-duties.js";
import { applyReviewTask, controlledBy, ensureApproval, findLive, ownerKey } from "./children.js";
import { reviewTaskName } from "./reasons.js";
import { replaceStatus } from "./status.js";
import { isCriticalTarget } from "./target-criticality.js";

const RELEASE = "release";
const MAX_ATTEMPTS = 4;
const ENVIRONMENT = "environment";

/** The cache keys a ChangeRequest points at, for the indexes that wake it when they appear or change. */
function referenced(obj: KubeObject): { release?: string; environment?: string } {
  const spec = obj.spec as { releaseRef?: { name?: unknown }; environment?: unknown } | undefined;
  const release = spec?.releaseRef?.name;
  const environment = spec?.environment;
  return {
    ...(typeof release === "string" ? { release: `${obj.metadata.namespace ?? ""}/${release}` } : {}),
    ...(typeof environment === "string" ? { environment } : {}),
  };
}

/**
 * The ChangeRequest controller: assesses each change's risk, approves it by policy or opens an Approval per
 * round, mirrors the Approval's outcome as the resolution, opens the review task of an approved emergency
 * change, and closes the change when it is over, auditing every step. A Release or Environment appearing or
 * changing wakes the changes that name it; an Approval or review task wakes its change.
 */
export function createChangeRequestController(deps: ControllerDeps, informers: Informers): Controller {
  const changes = informers.changeRequests;
  const rt = resources.changeRequest;
  changes.store.addIndex(RELEASE, (obj) => {
    const key = referenced(obj).release;
    return key === undefined ? [] : [key];
  });
  changes.store.addIndex(ENVIRONMENT, (obj) => {
    const name = referenced(obj).environment;
    return name === undefined ? [] : [name];
  });

  /** Reads everything the decision needs: the cache, plus the few live reads noted on each helper. */
  async function gather(
    obj: KubeObject,
    spec: ChangeRequestSpec,
    status: ChangeRequestStatus | undefined,
    opts: CallOptions,
  ): Promise<ChangeRequestDecisionInput> {
    const namespace = obj.metadata.namespace ?? "";
    const envSpec = EnvironmentSpec.safeParse(informers.environments.store.get(spec.environment)?.spec);
    const releaseObj = informers.releases.store.get(`${namespace}/${spec.releaseRef.name}`);
    const release = releaseObj === undefined ? undefined : pinnedReleaseSpec(releaseObj);
    const bindingMismatch = releaseBindingMismatch(spec.binding, {
      name: spec.releaseRef.name,
      uid: releaseObj?.metadata.uid,
    });
    const git =
      release !== undefined && bindingMismatch === undefined && roundDue(status, deps.clock.now())
        ? await gatherGitAuthors(deps.client, deps.authorPolicy, release, spec.environment, opts)
        : undefined;
    const criticalTarget =
      release !== undefined && mayOpenRound(status)
        ? await isCriticalTarget(deps.client, release, spec.environment, opts)
        : false;
    const approvalName = status?.approvalRef?.name;
    const found =
      approvalName === undefined
        ? undefined
        : await findLive(deps.client, informers.approvals, resources.approval, namespace, approvalName, opts);
    // Only this change's own Approval counts: one left by an earlier change of the same name is never adopted.
    const approvalObj = found !== undefined && controlledBy(found, obj) ? found : undefined;
    const approvalSpec = ApprovalSpec.safeParse(approvalObj?.spec);
    const approvalStatus = ApprovalStatus.safeParse(approvalObj?.status ?? {});
    const task = informers.deploymentTasks.store.get(`${namespace}/${reviewTaskName(obj.metadata.name)}`);
    const taskSpec = DeploymentTaskSpec.safeParse(task?.spec);
    return {
      metadata: {
        name: obj.metadata.name,
        namespace,
        uid: obj.metadata.uid,
        generation: obj.metadata.generation,
      },
      spec,
      status,
      environment: envSpec.success
        ? {
            name: spec.environment,
            regulated: envSpec.data.regulated,
            // The approvals the release's workflow template asks for here raise the Environment's (its own release only).
            gate: effectiveEnvironment(
              spec.environment,
              envSpec.data,
              bindingMismatch === undefined ? release?.workflow : undefined,
            ).gate,
          }
        : undefined,
      release:
        release === undefined
          ? undefined
          : {
              commits: release.source.commits,
              declarers: declarersOf(release.declaredBy),
              git,
              bindingMismatch,
            },
      authorPolicy: deps.authorPolicy,
      criticalTarget,
      approval:
        approvalName !== undefined && approvalSpec.success
          ? {
              name: approvalName,
              metadata: approvalObj?.metadata ?? { name: approvalName },
              spec: approvalSpec.data,
              status: approvalStatus.success ? approvalStatus.data : undefined,
            }
          : undefined,
      reviewTask: taskSpec.success ? { dueAt: taskSpec.data.dueAt } : undefined,
    };
  }

  /** Decides one change from an object (cached or fresh); undefined when it is closed and must be left alone. */
  async function plan(obj: KubeObject, opts: CallOptions): Promise<ChangeRequestDecision | undefined> {
    const parsedStatus = ChangeRequestStatus.safeParse(obj.status ?? {});
    const status = parsedStatus.success ? parsedStatus.data : undefined;
    if (status?.closedAt !== undefined) return undefined;
    const spec = ChangeRequestSpec.safeParse(obj.spec);
    if (!spec.success) throw new TerminalError("InvalidSpec", describeZodError("spec", spec.error));
    return decideChangeRequest(await gather(obj, spec.data, status, opts), deps.clock.now());
  }

  /**
   * Converges one change. A decision that would audit a transition is first confirmed against a fresh read (the
   * cache may not have seen this controller's last write), and a conflicting status write is decided again from a
   * fresh read, as the runtime's `updateStatus` does. Entries are recorded before the status write that shows
   * their transitions, each under its transition id, so a decision repeated after a 409 or after a crash between
   * the two finds its entries already held and the store keeps one of each (ADR 0031).
   */
  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const cached = changes.store.get(req.key);
    if (cached === undefined || cached.metadata.deletionTimestamp !== undefined) return {};
    const opts = { signal: req.signal };
    const readFresh = () => findLive(deps.client, undefined, rt, req.namespace ?? "", req.name, opts);
    let obj: KubeObject | undefined = cached;
    let fresh = false;
    for (let attempt = 1; obj !== undefined; attempt++) {
      const decision = await plan(obj, opts);
      if (decision === undefined) return {};
      if (decision.audit.length > 0 && !fresh) {
        const latest = await readFresh();
        fresh = true;
        if (latest?.metadata.resourceVersion !== obj.metadata.resourceVersion) {
          obj = latest;
          continue;
        }
      }
      if (decision.openApproval !== undefined) {
        await ensureApproval(deps.client, informers.approvals, obj, decision.openApproval, opts);
      }
      if (decision.reviewTask !== undefined)
        await applyReviewTask(deps.client, obj, decision.reviewTask, opts);
      for (const entry of decision.audit) await deps.audit.record(entry);
      try {
        if (await replaceStatus(deps.client, rt, obj, decision.status, opts)) {
          req.log.debug({ resolution: decision.status.resolution }, "Updated change request status");
          for (const event of decision.events) await deps.events.record(rt, obj, event, opts);
        }
      } catch (err) {
        if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
        [obj, fresh] = [await readFresh(), true];
        continue;
      }
      return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
    }
    return {};
  }

  return new Controller(
    {
      name: "changerequest",
      primary: changes,
      workers: deps.workers,
      reconcile,
      watches: [
        {
          informer: informers.releases,
          toKeys: (event) => changes.store.byIndex(RELEASE, objectKey(event.object)).map(objectKey),
        },
        {
          informer: informers.environments,
          toKeys: (event) => changes.store.byIndex(ENVIRONMENT, event.object.metadata.name).map(objectKey),
        },
        {
          informer: informers.approvals,
          toKeys: (event) => {
            const name = (event.object.spec as { changeRequestRef?: { name?: unknown } } | undefined)
              ?.changeRequestRef?.name;
            return typeof name === "string" ? [`${event.object.metadata.namespace ?? ""}/${name}`] : [];
          },
        },
        {
          informer: informers.deploymentTasks,
          toKeys: (event) => {
            const key = ownerKey(event.object);
            return key === undefined ? [] : [key];
          },
        },
      ],
      onTerminalError: async (req, err) => {
        const obj = changes.store.get(req.key);
        if (obj !== undefined) await markStalled(deps, rt, obj, err, { signal: req.signal });
      },
    },
    deps.log,
    deps.metrics,
  );
}
