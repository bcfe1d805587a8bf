import type { TargetIdentity } from "../api/v1alpha1/binding.js";
import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
import type { AuditRecorder } from "../audit/recorder.js";
import type { RollbackSeal } from "../controllers/rollback/seal.js";
import type { CreatorSeal } from "../controllers/task-creator.js";
import type { Logger } from "../runtime/logging.js";
import type { TemplateObject } from "../workflow/pin.js";
import type { KubeObject } from "../runtime/kube/object.js";
import type { AdmissionRequest, AdmissionResponse, UserInfo } from "./admission-review.js";

/**
 * What every admission handler gets from the server: the edges it may touch (the audit trail, the Environment
 * lookup, the log) and the clock. Handlers read nothing else, so tests drive them with fakes.
 */
export interface WebhookContext {
  /** Where accepted requests and denials are recorded; a failed write turns the answer into a denial. */
  audit: AuditRecorder;
  /** Reads an Environment's spec by name; `undefined` when there is no such Environment. */
  lookupEnvironment: (name: string) => Promise<EnvironmentSpec | undefined>;
  /**
   * Reads the labels of a delivery object; `undefined` when it does not exist. Absent where the server has no
   * access to delivery objects: ownership is then judged by namespace at admission, and fully by the controller.
   */
  lookupDeliveryLabels?: (target: TargetIdentity) => Promise<Record<string, string> | undefined>;
  /**
   * Reads the labels of a namespace (which scope release freezes); `undefined` when there is no such namespace.
   * Absent where the server cannot read namespaces: every freeze is then judged to cover every namespace.
   */
  lookupNamespaceLabels?: (namespace: string) => Promise<Record<string, string> | undefined>;
  /**
   * Reads a Release's `spec.changeType` (`"Feature"` when it sets none); `undefined` when there is no such
   * Release. Absent where the server cannot read Releases: a task's release is then judged a Feature.
   */
  lookupReleaseChangeType?: (namespace: string, name: string) => Promise<string | undefined>;
  /**
   * Reads a Release's uid; `undefined` when there is no such Release. Absent where the server cannot read Releases:
   * no Rollback task is then judged sealed (see `sealedTaskKept`).
   */
  lookupReleaseUid?: (namespace: string, name: string) => Promise<string | undefined>;
  /**
   * Reads the Releases of a namespace (from the cache once it has synced), to tell whether a release being deleted is
   * still the last one promoted to a target. Absent where the server cannot read Releases: a delete is not judged.
   */
  lookupReleases?: (namespace: string) => Promise<KubeObject[]>;
  /**
   * Asks the API server (a SubjectAccessReview) whether `user` may update Environments: a platform administrator,
   * who may retire the release that runs in an environment. Absent: nobody but the operator and the cluster's
   * clean-up may.
   */
  mayUpdateEnvironments?: (user: UserInfo) => Promise<boolean>;
  /**
   * Reads, live, who declared the release a ChangeRequest is bound to (`spec.declaredBy`: the last declarer, then the
   * earlier ones of its revision); `undefined` when the change or its Release is gone, or the Release found by name
   * is not the one the change is bound to. Absent where the server cannot read them: only the Approval's own
   * `spec.excluded` then bars people (see `lateDeclarer`).
   */
  lookupChangeDeclarers?: (namespace: string, changeRequest: string) => Promise<string[] | undefined>;
  /**
   * Reads a WorkflowTemplate (its metadata and spec) as it stands now; `undefined` when there is none. Absent where
   * the server cannot read templates: a release naming one is then refused.
   */
  lookupWorkflowTemplate?: (name: string) => Promise<TemplateObject | undefined>;
  /**
   * Reads every TeamRoleBinding (administrators' only, ADR 0056). Absent where the server cannot read them: a role
   * is then held only by those the task's Environment binds.
   */
  lookupTeamRoleBindings?: () => Promise<TeamRoleBindingSpec[]>;
  log: Logger;
  /**
   * The operator's own authenticated user name (its ServiceAccount), as a SelfSubjectReview told it at start.
   * Requests from exactly this user are the operator's; undefined means no request is (every write is a person's).
   */
  operatorUsername?: string | undefined;
  /**
   * Seals the creator stamp of DeploymentTasks with the operator's key (the rollback seal key, a domain of its own).
   * Without it the stamp is written unsealed, and the operator believes none (see `provenCreator`).
   */
  creatorSeal?: CreatorSeal | undefined;
  /** Verifies the operator's seal on Rollback tasks (ADR 0012); without it no task counts as sealed. */
  rollbackSeal?: Pick<RollbackSeal, "verify"> | undefined;
  /** The webhook's clock: decision stamps, emergency expiry and retention are judged against it. */
  now: () => Date;
}

/** Answers one parsed admission request. Handlers never throw on bad input; they deny with a named rule. */
export type AdmissionHandler = (request: AdmissionRequest, ctx: WebhookContext) => Promise<AdmissionResponse>;
