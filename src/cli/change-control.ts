import { z } from "zod";
import { ApprovalSpec, ApprovalStatus, approvalKind } from "../api/v1alpha1/approval.js";
import { ChangeRequestSpec, ChangeRequestStatus, changeRequestKind } from "../api/v1alpha1/change-request.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import { ObjectMeta } from "../api/v1alpha1/meta.js";
import { isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import { CommandError } from "./errors.js";

/** The ChangeRequest resource, as served by the Stagegate CRDs. */
export const changeRequests: ResourceType = resourceOf(changeRequestKind);

/** The Approval resource, as served by the Stagegate CRDs. */
export const approvals: ResourceType = resourceOf(approvalKind);

/** A ChangeRequest as the server returns it, parsed with the API's own schemas. */
export const ChangeRequestObject = z.looseObject({
  metadata: ObjectMeta,
  spec: ChangeRequestSpec,
  status: ChangeRequestStatus.optional(),
});
export type ChangeRequestObject = z.infer<typeof ChangeRequestObject>;

/** An Approval as the server returns it, parsed with the API's own schemas. */
export const ApprovalObject = z.looseObject({
  metadata: ObjectMeta,
  spec: ApprovalSpec,
  status: ApprovalStatus.optional(),
});
export type ApprovalObject = z.infer<typeof ApprovalObject>;

/** Parses an object from the server, failing with a message naming the object and the field that did not fit. */
export function parseServerObject<T extends z.ZodType>(schema: T, raw: unknown, kind: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const meta = ObjectMeta.safeParse((raw as { metadata?: unknown } | undefined)?.metadata);
  const name = meta.success ? `${meta.data.namespace ?? ""}/${meta.data.name}` : "(unnamed)";
  const issue = result.error.issues[0];
  const where = issue === undefined ? "" : ` (${issue.path.join(".")}: ${issue.message})`;
  throw new CommandError(
    `${kind} ${name} does not match the stagegate.io/v1alpha1 schema this CLI knows${where}; ` +
      "use a stagegate CLI of the same version as the operator.",
  );
}

/** The name of the Approval for a ChangeRequest's current round: status.approvalRef, else the same name. */
export function currentApprovalName(change: ChangeRequestObject): string {
  return change.status?.approvalRef?.name ?? change.metadata.name;
}

/** Reads one ChangeRequest; a missing one is a CommandError that says where it looked and how to list them. */
export async function getChangeRequest(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<ChangeRequestObject> {
  try {
    return parseServerObject(
      ChangeRequestObject,
      await client.get(changeRequests, name, namespace),
      "ChangeRequest",
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new CommandError(
      `ChangeRequest "${name}" does not exist in namespace "${namespace}": ` +
        `list the changes with "stagegate changes -n ${namespace}" or pick another namespace with -n.`,
    );
  }
}

/**
 * Reads the Approval of a ChangeRequest's current round. Fails with a clear message when there is none yet, or
 * when the Approval found decides a different ChangeRequest.
 */
export async function getCurrentApproval(
  client: KubeClient,
  change: ChangeRequestObject,
): Promise<ApprovalObject> {
  const namespace = change.metadata.namespace ?? "";
  const name = currentApprovalName(change);
  let approval: ApprovalObject;
  try {
    approval = parseServerObject(ApprovalObject, await client.get(approvals, name, namespace), "Approval");
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const resolved = change.status?.resolution;
    const why =
      resolved === undefined
        ? "the operator opens it when the change needs decisions; try again shortly."
        : `the change is already ${resolved} (by ${change.status?.resolvedBy ?? "unknown"}), so there is nothing to decide.`;
    throw new CommandError(
      `ChangeRequest "${change.metadata.name}" in namespace "${namespace}" has no Approval "${name}" yet: ${why}`,
    );
  }
  if (approval.spec.changeRequestRef.name !== change.metadata.name) {
    throw new CommandError(
      `Approval "${name}" in namespace "${namespace}" decides ChangeRequest ` +
        `"${approval.spec.changeRequestRef.name}", not "${change.metadata.name}"; ask an administrator to check it.`,
    );
  }
  return approval;
}

/** Reads every object of a collection, page by page, in one namespace or (namespace undefined) in all. */
export async function listAll<T extends z.ZodType>(
  client: KubeClient,
  rt: ResourceType,
  schema: T,
  namespace: string | undefined,
  labelSelector?: string,
): Promise<z.infer<T>[]> {
  const items: z.infer<T>[] = [];
  let token: string | undefined;
  do {
    const page = await client.list(rt, { namespace, labelSelector, limit: 500, continue: token });
    for (const item of page.items) items.push(parseServerObject(schema, item, rt.kind));
    token = page.continue;
  } while (token !== undefined);
  return items;
}
