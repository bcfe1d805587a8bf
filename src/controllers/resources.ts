import { addressBookKind } from "../api/v1alpha1/address-book.js";
import { approvalKind } from "../api/v1alpha1/approval.js";
import { changeRequestKind } from "../api/v1alpha1/change-request.js";
import { deploymentTaskKind } from "../api/v1alpha1/deployment-task.js";
import { environmentKind } from "../api/v1alpha1/environment.js";
import { releaseKind } from "../api/v1alpha1/release.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import { teamRoleBindingKind } from "../api/v1alpha1/team-role-binding.js";
import { workflowTemplateKind } from "../api/v1alpha1/workflow-template.js";
import type { ResourceType } from "../runtime/kube/resource.js";

export { resourceOf };

/** Resources of the kinds the operator reconciles today. */
export const resources = {
  deploymentTask: resourceOf(deploymentTaskKind),
  environment: resourceOf(environmentKind),
  release: resourceOf(releaseKind),
  changeRequest: resourceOf(changeRequestKind),
  approval: resourceOf(approvalKind),
  /** Read live by the release webhook only, to stamp a new release with its template (ADR 0048). */
  workflowTemplate: resourceOf(workflowTemplateKind),
  /** Listed by the notifier only, to mail role members at the addresses administrators gave them. */
  addressBook: resourceOf(addressBookKind),
  /** Watched by every replica (webhooks, escalation) and listed by the notifier: a team's roles, ADR 0056. */
  teamRoleBinding: resourceOf(teamRoleBindingKind),
} as const;

/**
 * The delivery objects a Release targets (Argo CD and Flux). The operator only reads them, for example the
 * `stagegate.io/criticality` label that raises a change's risk class.
 */
export const deliveryResources = {
  argoCDApplication: {
    group: "argoproj.io",
    version: "v1alpha1",
    plural: "applications",
    kind: "Application",
    namespaced: true,
  },
  fluxKustomization: {
    group: "kustomize.toolkit.fluxcd.io",
    version: "v1",
    plural: "kustomizations",
    kind: "Kustomization",
    namespaced: true,
  },
  fluxHelmRelease: {
    group: "helm.toolkit.fluxcd.io",
    version: "v2",
    plural: "helmreleases",
    kind: "HelmRelease",
    namespaced: true,
  },
} as const satisfies Record<string, ResourceType>;

/** Argo CD's AppProject, read only for the sync windows it applies to its Applications (spec.syncWindows). */
export const argoCDProjectResource = {
  group: "argoproj.io",
  version: "v1alpha1",
  plural: "appprojects",
  kind: "AppProject",
  namespaced: true,
} as const satisfies ResourceType;
