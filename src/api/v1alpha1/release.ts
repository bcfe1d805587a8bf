import { z } from "zod";
import { Digest } from "./binding.js";
import { GATE_CATEGORIES } from "./gate-category.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { Declarer } from "./declarer.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { ObjectName, Owner, Timestamp } from "./meta.js";
import { RELEASE_NAME_RULE } from "./release-name.js";
import { REPO_URL_SHAPE, REVISION_SHAPE, shaped } from "./source-rules.js";
import { ReleaseTarget } from "./release-target.js";
import { ResolvedChart } from "./resolved-chart.js";
import { ResolvedSource } from "./resolved-source.js";
import { WorkflowPin } from "./workflow-pin.js";

/** One commit a release carries, as read from Git; the input of commit-to-task linkage checks. */
export const Commit = z
  .object({
    sha: z
      .string()
      .max(64)
      .regex(/^[0-9a-f]{7,64}$/, "must be a hexadecimal commit id")
      .describe("The commit id, 7 to 64 lowercase hexadecimal characters."),
    author: z
      .object({
        name: z.string().min(1).max(256).describe("The author's name as recorded in the commit."),
        email: z
          .string()
          .max(256)
          .optional()
          .describe("The author's email address as recorded in the commit."),
      })
      .describe("Who wrote the commit; separation of duties bars commit authors from approving."),
    message: z.string().max(4096).optional().describe("The commit message, or its first line."),
  })
  .describe("A commit included in the release.");
export type Commit = z.infer<typeof Commit>;

/** Where a release comes from: the repository, branch and revision it is built from. */
export const ReleaseSource = z
  .object({
    repoURL: shaped(z.string().min(1).max(2048), REPO_URL_SHAPE).describe(
      "The Git repository the release is built from: an https://, http://, ssh:// or file:// URL, or the " +
        "scp-like form git@host:path.",
    ),
    branch: z.string().max(255).optional().describe("The branch the release was cut from, for example main."),
    revision: shaped(z.string().min(1).max(255), REVISION_SHAPE).describe(
      "The Git revision (commit, tag or branch) the release is built from.",
    ),
    digests: z.array(Digest).max(50).default([]).meta({
      description:
        "The image or chart digests the release ships (sha256:...), bound with the commit on every change.",
      "x-kubernetes-list-type": "set",
    }),
    commits: z
      .array(Commit)
      .max(1000)
      .default([])
      .describe("The commits the release carries since the previous release, newest first."),
  })
  .describe("The Git source of the release.");
export type ReleaseSource = z.infer<typeof ReleaseSource>;

/** A story, task or bug the release delivers, so approvers see what changes and why. */
export const WorkItem = z
  .object({
    id: z.string().min(1).max(128).describe("The work item's key in its tracker, for example PAY-1234."),
    type: z.enum(["Story", "Task", "Bug"]).describe("Story, Task or Bug."),
    title: z.string().max(512).optional().describe("The work item's title."),
    link: z.url().max(2048).optional().describe("A URL where the work item can be read."),
  })
  .describe("A work item (story, task or bug) delivered by the release.");
export type WorkItem = z.infer<typeof WorkItem>;

/** What happens when a deployment of this release goes wrong. */
export const RollbackPolicy = z
  .object({
    mode: z
      .enum(["Automatic", "Manual", "Disabled"])
      .default("Manual")
      .describe(
        "Automatic rolls back when an alert fires; Manual opens a Rollback task for the rollback owner; " +
          "Disabled does neither. Defaults to Manual.",
      ),
    reason: z
      .string()
      .max(1024)
      .optional()
      .describe("Why rollback is disabled; required when mode is Disabled."),
  })
  .meta({
    description: "How a failed deployment of this release is rolled back.",
    "x-kubernetes-validations": [
      {
        rule: "self.mode != 'Disabled' || (has(self.reason) && self.reason != '')",
        message: "rollback mode Disabled needs a reason: say why this release cannot be rolled back",
        fieldPath: ".reason",
      },
    ],
  });
export type RollbackPolicy = z.infer<typeof RollbackPolicy>;

/** What a release team writes on a Release. */
export const ReleaseSpec = z
  .object({
    version: z.string().min(1).max(128).describe("The version being released, for example 2.14.0."),
    source: ReleaseSource,
    workItems: z
      .array(WorkItem)
      .max(500)
      .default([])
      .meta({
        description: "The stories, tasks and bugs the release delivers.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["id"],
      }),
    pipeline: z.array(ObjectName).min(1).max(20).meta({
      description: "The Environments the release moves through, in order, for example [dev, test, prod].",
      "x-kubernetes-list-type": "set",
    }),
    targets: z
      .array(ReleaseTarget)
      .max(20)
      .default([])
      .meta({
        description: "How the release is delivered to each environment of the pipeline.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["environment"],
      }),
    owners: z
      .object({
        releaseManager: Owner.describe("Who drives the release and answers for it."),
        rollbackOwner: Owner.describe("Who decides on and validates a rollback of this release."),
      })
      .describe("The people responsible for the release."),
    rollbackPolicy: RollbackPolicy.default({ mode: "Manual" }),
    declaredBy: Declarer.optional(),
    changeType: z
      .enum(["Feature", "Hotfix"])
      .optional()
      .describe(
        "What kind of release this is: Feature (when absent) or Hotfix. A release freeze refuses new Feature " +
          "releases in its scope and holds their promotions; a freeze with the Hotfix exception lets a Hotfix " +
          "through once its ChangeRequest is approved. Set at creation; it cannot change afterwards.",
      ),
    workflowTemplate: ObjectName.optional().describe(
      "The WorkflowTemplate the release follows: the tasks each stage opens, their checklists, owners and SLAs, " +
        "and the approvals each stage needs on top of its Environment's gate. Set at creation; the template as it " +
        "stood then applies (spec.workflow), and it cannot change afterwards.",
    ),
    workflow: WorkflowPin.optional(),
  })
  .meta({
    description: "The version, its source, what it delivers, where it goes and who owns it.",
    "x-kubernetes-validations": [
      {
        rule: "self.targets.all(t, t.environment in self.pipeline)",
        message: "every target's environment must be listed in spec.pipeline",
        fieldPath: ".targets",
      },
      {
        rule: "has(self.changeType) == has(oldSelf.changeType) && (!has(self.changeType) || self.changeType == oldSelf.changeType)",
        message:
          "spec.changeType is set when the release is created and cannot change: create a new release instead",
        fieldPath: ".changeType",
      },
      {
        rule:
          "has(self.workflowTemplate) == has(oldSelf.workflowTemplate) && " +
          "(!has(self.workflowTemplate) || self.workflowTemplate == oldSelf.workflowTemplate) && " +
          "has(self.workflow) == has(oldSelf.workflow) && (!has(self.workflow) || self.workflow == oldSelf.workflow)",
        message:
          "spec.workflowTemplate and spec.workflow are set when the release is created and cannot change: create a " +
          "new release to follow another template",
        fieldPath: ".workflowTemplate",
      },
      {
        rule: "has(self.workflowTemplate) == has(self.workflow) && (!has(self.workflow) || self.workflow.template == self.workflowTemplate)",
        message:
          "spec.workflow is stamped by the admission webhook from spec.workflowTemplate: name the template in " +
          "spec.workflowTemplate and leave spec.workflow out of your manifest",
        fieldPath: ".workflow",
      },
    ],
  });
export type ReleaseSpec = z.infer<typeof ReleaseSpec>;

/** Where a release stands in one environment. */
export const ReleaseEnvironmentState = z
  .enum(["Pending", "Gated", "Deploying", "Deployed", "Verified", "Failed"])
  .describe("Pending, Gated (waiting at the gate), Deploying, Deployed, Verified or Failed.");
export type ReleaseEnvironmentState = z.infer<typeof ReleaseEnvironmentState>;

/** The progress of the release in one environment, with a timestamp per step for lead-time reporting. */
export const ReleaseEnvironmentStatus = z
  .object({
    name: ObjectName.describe("The name of the Environment."),
    state: ReleaseEnvironmentState,
    reasons: z
      .array(z.string())
      .optional()
      .describe("Why the release is in this state, for example the open gates."),
    revision: z.string().optional().describe("The revision running in the environment."),
    artifact: z
      .string()
      .optional()
      .describe(
        "What the release promoted to the environment: its source commit, followed by +digests:sha256:<hash of " +
          "its sorted digests> when it declares any. The next stage admits only this very artifact.",
      ),
    sourceDigest: z
      .string()
      .max(80)
      .optional()
      .describe(
        "The digest of what the target was told to deploy besides the revision (repository, path, chart, values, " +
          "destination) when the release promoted to it; a later change is reported as UnapprovedDeployment.",
      ),
    runningAtPromotion: z
      .string()
      .max(255)
      .optional()
      .describe(
        "The revision the target ran when the release promoted to it (empty when it ran none). While the " +
          "delivery is in flight, that revision or the release's may run there (or one another release promoted " +
          "there); anything else is reported as UnapprovedDeployment.",
      ),
    lastOperationAtRequest: z
      .string()
      .max(320)
      .optional()
      .describe(
        "The delivery tool's last operation on the target (Argo CD: when it started and the revision it was " +
          "asked for) when the release recorded its promotion, before it asked the tool; empty when there was " +
          "none. While the delivery is in flight, a later operation to another revision is reported as " +
          "UnapprovedDeployment.",
      ),
    deliveryRequestPending: z
      .boolean()
      .optional()
      .describe(
        "Set when the promotion is recorded here, before the delivery tool is asked for the revision (so " +
          "whatever a target is told to deploy has a promotion on record first), and kept while Deploying: " +
          "Stagegate asks the tool in the same write that puts its stagegate.io/locked-by on the target, so that " +
          "lock naming this release says the request was made.",
      ),
    promotions: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "How many promotions into the environment have started. A change authorises exactly one: the next " +
          "promotion asks anew.",
      ),
    gateWait: z
      .object({
        categories: z
          .array(z.enum(GATE_CATEGORIES))
          .max(GATE_CATEGORIES.length)
          .describe("What the gate waits on: refused, previous, checks, approvals, window, freeze or lock."),
        reasons: z.array(z.string().max(64)).max(32).describe("The blocking gate reason codes."),
        since: Timestamp.describe("When the gate began to wait on these categories."),
      })
      .optional()
      .describe(
        "While the environment is Gated: the categories of what its gate waits on, their reason codes and since " +
          "when. Each change is recorded once in the audit trail as GateWaitChanged (ADR 0053).",
      ),
    requestedAt: Timestamp.optional().describe("When the release asked to enter the environment."),
    gateClearedAt: Timestamp.optional().describe("When the environment's gate cleared."),
    deployStartedAt: Timestamp.optional().describe("When the deployment started."),
    deployedAt: Timestamp.optional().describe("When the deployment finished."),
    verifiedAt: Timestamp.optional().describe("When post-deploy verification passed."),
  })
  .describe("The progress of the release in one environment.");
export type ReleaseEnvironmentStatus = z.infer<typeof ReleaseEnvironmentStatus>;

/** What the operator concludes about a Release. */
export const ReleaseStatus = z
  .object({
    observedGeneration: ObservedGeneration,
    conditions: Conditions.optional(),
    environments: z
      .array(ReleaseEnvironmentStatus)
      .optional()
      .meta({
        description: "The progress of the release in each environment of its pipeline.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    source: ResolvedSource.optional(),
    charts: z
      .array(ResolvedChart)
      .max(20)
      .optional()
      .meta({
        description:
          "The exact chart version each chart version range of a HelmRelease target was resolved to, one per " +
          "environment (only where the Environment sets gate.mutableRevisions: Resolve).",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["environment"],
      }),
    currentEnvironment: z.string().optional().describe("The furthest environment the release has reached."),
    currentState: ReleaseEnvironmentState.optional().describe(
      "The release's state in currentEnvironment: Pending, Gated, Deploying, Deployed, Verified or Failed.",
    ),
  })
  .describe("The state of the release as the operator last observed it.");
export type ReleaseStatus = z.infer<typeof ReleaseStatus>;

/** The Release kind: a version moving through the pipeline of environments. */
export const releaseKind: KindDefinition<typeof ReleaseSpec, typeof ReleaseStatus> = {
  kind: "Release",
  plural: "releases",
  singular: "release",
  listKind: "ReleaseList",
  shortNames: ["rel", "rels"],
  scope: "Namespaced",
  description:
    "A version of something (its source, commits and work items) moving through a pipeline of environments, " +
    "with its delivery targets, owners and rollback policy.",
  spec: ReleaseSpec,
  status: ReleaseStatus,
  validations: [RELEASE_NAME_RULE],
  printerColumns: [
    { name: "Version", type: "string", jsonPath: ".spec.version", description: "The version released." },
    {
      name: "Env",
      type: "string",
      jsonPath: ".status.currentEnvironment",
      description: "The furthest environment reached.",
    },
    {
      name: "State",
      type: "string",
      jsonPath: ".status.currentState",
      description: "The state in that environment.",
    },
    AGE_COLUMN,
  ],
};
