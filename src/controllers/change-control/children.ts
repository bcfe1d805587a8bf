import { inheritedDimensionLabels } from "../../api/v1alpha1/dimensions.js";
import { API_VERSION } from "../../api/v1alpha1/group.js";
import type { Informer } from "../../runtime/informer/informer.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import { resources } from "../resources.js";
import type { ApprovalPlan } from "./change-request-pass.js";
import { CHANGE_REQUEST_LABEL, OPERATOR } from "./reasons.js";
import type { ReviewTaskPlan } from "./review-task.js";
import { labelValue } from "../../runtime/kube/label-value.js";

/** The owner reference that makes a ChangeRequest the controller of a child, so the child goes with it. */
export function controllerReference(changeRequest: KubeObject): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: "ChangeRequest",
    name: changeRequest.metadata.name,
    uid: changeRequest.metadata.uid,
    controller: true,
  };
}

/** Whether `child` is controlled by this very ChangeRequest (by UID, not by name: a re-created change is another). */
export function controlledBy(child: KubeObject, changeRequest: KubeObject): boolean {
  return (
    child.metadata.ownerReferences?.some(
      (ref) =>
        ref.controller === true && ref.kind === "ChangeRequest" && ref.uid === changeRequest.metadata.uid,
    ) === true
  );
}

/** Raised when a child of the expected name belongs to another (earlier) ChangeRequest: it is never adopted. */
export class ForeignChildError extends Error {
  override readonly name = "ForeignChildError";
}

/** The ChangeRequest key a child's controller owner reference points to, if it has one. */
export function ownerKey(child: KubeObject): string | undefined {
  const owner = child.metadata.ownerReferences?.find(
    (ref) => ref.controller === true && ref.kind === "ChangeRequest" && ref.apiVersion === API_VERSION,
  );
  return owner === undefined ? undefined : `${child.metadata.namespace ?? ""}/${owner.name}`;
}

function childMetadata(changeRequest: KubeObject, name: string): Record<string, unknown> {
  return {
    name,
    namespace: changeRequest.metadata.namespace,
    labels: {
      ...inheritedDimensionLabels(changeRequest.metadata.labels),
      [CHANGE_REQUEST_LABEL]: labelValue(changeRequest.metadata.name),
    },
    ownerReferences: [controllerReference(changeRequest)],
  };
}

/**
 * Opens a round's Approval by server-side apply, unless it already exists (in the cache or, when the cache has
 * not seen it yet, on the server): its spec is fixed at creation, so an Approval is never applied twice.
 */
export async function ensureApproval(
  client: KubeClient,
  approvals: Informer,
  changeRequest: KubeObject,
  plan: ApprovalPlan,
  opts: CallOptions = {},
): Promise<void> {
  const namespace = changeRequest.metadata.namespace ?? "";
  const existing = await findLive(client, approvals, resources.approval, namespace, plan.name, opts);
  if (existing !== undefined && !controlledBy(existing, changeRequest)) {
    // A change deleted and re-created under the same name must not inherit the earlier change's decisions.
    throw new ForeignChildError(
      `Approval ${namespace}/${plan.name} belongs to an earlier ChangeRequest named ${changeRequest.metadata.name}, ` +
        "not to this one; its decisions do not carry over. Delete that Approval so a new one can be opened.",
    );
  }
  if (existing !== undefined) return;
  await client.apply(
    resources.approval,
    {
      apiVersion: API_VERSION,
      kind: "Approval",
      metadata: childMetadata(changeRequest, plan.name),
      spec: { changeRequestRef: { name: changeRequest.metadata.name }, ...plan.spec },
    },
    { fieldManager: OPERATOR, ...opts },
  );
}

/** Applies the review task of an emergency change with the fields the operator owns; idempotent. */
export async function applyReviewTask(
  client: KubeClient,
  changeRequest: KubeObject,
  plan: ReviewTaskPlan,
  opts: CallOptions = {},
): Promise<void> {
  await client.apply(
    resources.deploymentTask,
    {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: childMetadata(changeRequest, plan.name),
      spec: plan.spec,
    },
    { fieldManager: OPERATOR, ...opts },
  );
}

/**
 * An object from the cache, or, when the cache does not have it (yet) or no cache is given, from the server;
 * undefined when it does not exist. For the few reads where acting on a stale cache would do harm.
 */
export async function findLive(
  client: KubeClient,
  informer: Informer | undefined,
  rt: ResourceType,
  namespace: string,
  name: string,
  opts: CallOptions = {},
): Promise<KubeObject | undefined> {
  const cached = informer?.store.get(`${namespace}/${name}`);
  if (cached !== undefined) return cached;
  try {
    return await client.get(rt, name, namespace, opts);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
