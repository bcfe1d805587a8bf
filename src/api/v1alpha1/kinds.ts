import { addressBookKind } from "./address-book.js";
import { approvalKind } from "./approval.js";
import { changeRequestKind } from "./change-request.js";
import { deploymentTaskKind } from "./deployment-task.js";
import { environmentKind } from "./environment.js";
import type { KindDefinition } from "./kind-definition.js";
import { notificationRouteKind } from "./notification-route.js";
import { releaseKind } from "./release.js";
import { teamRoleBindingKind } from "./team-role-binding.js";
import { workflowTemplateKind } from "./workflow-template.js";

/**
 * Every Stagegate kind, in the order a reader meets them (Environment, Release, DeploymentTask, ChangeRequest,
 * Approval, then NotificationRoute, WorkflowTemplate, AddressBook and TeamRoleBinding). The CRD generator, docs and runtime iterate this list, so a kind added here is served everywhere.
 */
export const ALL_KINDS: readonly KindDefinition[] = [
  environmentKind,
  releaseKind,
  deploymentTaskKind,
  changeRequestKind,
  approvalKind,
  notificationRouteKind,
  workflowTemplateKind,
  addressBookKind,
  teamRoleBindingKind,
];

/** Finds a kind by its `kind` name; undefined when Stagegate does not serve it. */
export function findKind(kind: string): KindDefinition | undefined {
  return ALL_KINDS.find((definition) => definition.kind === kind);
}
