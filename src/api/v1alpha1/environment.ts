import { z } from "zod";
import { Conditions, ObservedGeneration } from "./condition.js";
import { LIMITS, boundedStringMap } from "./bounds.js";
import { CRON_SHAPE, TIME_ZONE_SHAPE, admittedIf } from "./source-rules.js";
import { TaskType } from "./deployment-task.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { Duration, ObjectName, Owner, Timestamp } from "./meta.js";
import { EscalationPolicy } from "./escalation.js";
import { RoleMembers, TeamRoles } from "./roles.js";
import { VerificationPolicy } from "./verification.js";

/** The risk classes a ChangeRequest can carry. */
export const RiskClass = z
  .enum(["low", "medium", "high", "critical"])
  .describe("The risk of a change: low, medium, high or critical.");
export type RiskClass = z.infer<typeof RiskClass>;

/** A recurring window in which deployments to an environment are permitted. */
export const DeploymentWindow = z
  .object({
    name: z.string().max(128).optional().describe("A label for the window, shown in gate explanations."),
    schedule: admittedIf(z.string().min(1).max(128), CRON_SHAPE).describe(
      "A cron expression (minute hour day-of-month month day-of-week) for when the window opens.",
    ),
    duration: Duration.describe("How long the window stays open after each start, for example 4h."),
    timeZone: admittedIf(z.string().max(64), TIME_ZONE_SHAPE)
      .default("UTC")
      .describe("The IANA time zone of the schedule. Defaults to UTC."),
  })
  .describe("A recurring period in which deployments are permitted.");

/** The kinds of release a freeze may let through, under the environment's approval policy. */
export const FreezeException = z
  .enum(["Hotfix"])
  .describe("Hotfix: a Release with spec.changeType Hotfix, once its ChangeRequest is approved.");

/**
 * A period in which no release may enter the environment (a rollback may, as break-glass): dated (start and end)
 * or recurring (schedule and duration in a time zone), over every namespace or only those whose labels match.
 */
export const Freeze = z
  .object({
    name: z.string().min(1).max(63).describe("A label for the freeze, for example year-end."),
    start: Timestamp.optional().describe("When a dated freeze begins (RFC 3339); with end."),
    end: Timestamp.optional().describe("When a dated freeze ends (RFC 3339); with start."),
    schedule: admittedIf(z.string().min(1).max(128), CRON_SHAPE)
      .optional()
      .describe(
        "When a recurring freeze begins, as a cron expression (minute hour day-of-month month day-of-week); with " +
          'duration. For example "0 16 * * 5" with 64h freezes every weekend from Friday 16:00.',
      ),
    duration: Duration.optional().describe(
      "How long each occurrence of a recurring freeze lasts, for example 64h.",
    ),
    timeZone: admittedIf(z.string().max(64), TIME_ZONE_SHAPE)
      .optional()
      .describe("The IANA time zone of the schedule. Defaults to UTC."),
    reason: z
      .string()
      .max(1024)
      .optional()
      .describe("Why the environment is frozen, shown in gate explanations and admission refusals."),
    namespaceSelector: z
      .object({
        matchLabels: boundedStringMap(
          "Labels a release's namespace must carry, each with exactly this value, for the freeze to hold it; " +
            "empty means every namespace. Only namespace labels scope a freeze: a release's own labels are " +
            "written by whoever may edit the release, so they could not hold anyone.",
          { entries: 16, key: 316, value: 63 },
        ).default({}),
      })
      .optional()
      .describe("Which namespaces' releases the freeze holds, by namespace labels. Absent: every namespace."),
    exceptions: z
      .array(FreezeException)
      .max(1)
      .default([])
      .meta({
        description:
          "Which kinds of release may enter during the freeze: Hotfix lets a Release with spec.changeType Hotfix " +
          "through once its ChangeRequest is approved (the environment must require approvals). A rollback " +
          "always passes, as break-glass.",
        "x-kubernetes-list-type": "set",
      }),
  })
  .meta({
    description: "A release freeze: no promotion while it is in force.",
    "x-kubernetes-validations": [
      {
        rule:
          "(has(self.start) && has(self.end) && !has(self.schedule) && !has(self.duration)) || " +
          "(!has(self.start) && !has(self.end) && has(self.schedule) && has(self.duration))",
        message:
          "a freeze is either dated (set start and end) or recurring (set schedule and duration), not both and " +
          "not neither",
      },
      {
        rule: "!has(self.start) || !has(self.end) || timestamp(self.end) > timestamp(self.start)",
        message: "a freeze must end after it starts",
        fieldPath: ".end",
      },
      {
        rule: "!has(self.timeZone) || has(self.schedule)",
        message: "timeZone applies to a recurring freeze only: remove it or set schedule and duration",
        fieldPath: ".timeZone",
      },
    ],
  });
export type Freeze = z.infer<typeof Freeze>;

/** Who may decide a ChangeRequest, by user name or group. */
export const ApproverSet = z
  .object({
    users: z
      .array(z.string().min(1).max(LIMITS.identity))
      .max(LIMITS.people)
      .default([])
      .describe("Authenticated user names allowed to decide."),
    groups: z
      .array(z.string().min(1).max(LIMITS.identity))
      .max(LIMITS.people)
      .default([])
      .describe("Authenticated groups whose members may decide."),
  })
  .describe("The users and groups allowed to decide.");

/** The rules an environment's gate applies before a release may enter it. */
export const GatePolicy = z
  .object({
    requiredApprovals: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(0)
      .describe("How many approvals a ChangeRequest needs. 0 means no ChangeRequest is required."),
    approvers: ApproverSet.optional(),
    separationOfDuties: z
      .boolean()
      .optional()
      .describe(
        "Whether requesters, the release's declarers and commit authors are barred from approving. Defaults " +
          "to true for every environment that requires approvals and for regulated ones; set false to turn it off.",
      ),
    commitAuthorSource: z
      .enum(["Repository", "Declared"])
      .optional()
      .describe(
        "Where separation of duties learns who wrote a release. Repository: only from the repository itself, " +
          "read by the operator (its --commit-authors-config with readFromGit); while the operator reads no " +
          "git, a change is held (CommitAuthorsUnverified), except an Emergency change. Declared: also from " +
          "what the Release declares (spec.source.commits) when the operator reads no git. Defaults to " +
          "Repository for regulated environments and Declared otherwise.",
      ),
    cabRiskClasses: z
      .array(RiskClass)
      .max(4)
      .default([])
      .describe("Risk classes that also need a decision from the change advisory board (the cab group)."),
    cabGroup: z
      .string()
      .max(LIMITS.identity)
      .default("cab")
      .describe("The group that forms the change advisory board."),
    emergency: z
      .object({
        approverGroups: z
          .array(z.string().min(1).max(LIMITS.identity))
          .max(LIMITS.people)
          .default([])
          .describe("Groups that may approve an emergency change on their own."),
        maxDuration: Duration.default("24h").describe(
          "The longest an emergency change may stay open before it expires. Defaults to 24h.",
        ),
        reviewDueAfter: Duration.default("120h").describe(
          "How long after deployment the post-implementation review is due. Defaults to 120h.",
        ),
      })
      .optional()
      .describe("How emergency changes are handled in this environment."),
    standardChanges: z
      .object({
        preApproved: z
          .boolean()
          .default(false)
          .describe("Whether Standard changes up to maxRisk are approved by policy, without an Approval."),
        maxRisk: RiskClass.default("low").describe(
          "The highest risk class policy pre-approves. Defaults to low.",
        ),
      })
      .optional()
      .describe("Whether Standard changes are pre-approved by policy, and up to which risk."),
    retention: Duration.default("2160h").describe(
      "How long closed ChangeRequests and Approvals must be kept before they may be deleted. Defaults to " +
        "2160h (90 days).",
    ),
    approvalTimeout: Duration.default("72h").describe(
      "How long an approval request may wait for a decision before it expires. Defaults to 72h.",
    ),
    mutableRevisions: z
      .enum(["Refuse", "Resolve"])
      .default("Refuse")
      .describe(
        "What a gated environment does with a release whose spec.source.revision is a branch or a tag, or " +
          "whose HelmRelease target's chartVersion is a semver range (1.4.x, ^1.4). Refuse (the default): it is " +
          "held (and refused at admission) until it names a full commit id and an exact chart version. Resolve: " +
          "the operator resolves each once, the ref from the git repository (git ls-remote) and the range from " +
          "the index.yaml of the HelmRelease's HelmRepository (highest matching version, prereleases only when " +
          "the range names one), both only within the operator's allowed repositories; the release ships the " +
          "commit and versions resolved, which are what is approved and recorded (status.source, " +
          "status.charts). Abbreviated commit ids are refused either way.",
      ),
    requiredChecks: z.array(TaskType).max(10).default([]).meta({
      description: "Checks that must succeed, as DeploymentTasks, before a release may enter.",
      "x-kubernetes-list-type": "set",
    }),
    windows: z
      .array(DeploymentWindow)
      .max(LIMITS.windows)
      .default([])
      .describe("When deployments are permitted. Empty means at any time."),
    workflowTemplates: z
      .array(ObjectName)
      .max(20)
      .default([])
      .meta({
        description:
          "Which WorkflowTemplates a release may follow into this environment; when set, a release must follow one " +
          "of them. Empty: any template, or none. A regulated environment (spec.regulated) admits only templates " +
          "marked regulated, whatever this lists.",
        "x-kubernetes-list-type": "set",
      }),
    freezes: z
      .array(Freeze)
      .max(50)
      .default([])
      .meta({
        description: "Release freezes: no promotion while one is in force; a rollback passes as break-glass.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
  })
  .meta({
    description: "What must be true before a release may enter the environment.",
    "x-kubernetes-validations": [
      {
        rule: "self.requiredApprovals > 0 || self.freezes.all(f, !('Hotfix' in f.exceptions))",
        message:
          "a freeze's Hotfix exception lets a release through only once people approve it: set requiredApprovals " +
          "to at least 1, or remove Hotfix from the freeze's exceptions",
        fieldPath: ".freezes",
      },
    ],
  });
export type GatePolicy = z.infer<typeof GatePolicy>;

/**
 * Which delivery objects of one kind belong to an environment: those in these namespaces carrying these labels,
 * and, when names are listed, only those names.
 */
export const DeliveryScope = z
  .object({
    namespaces: z.array(ObjectName).min(1).max(50).meta({
      description: "The namespaces whose delivery objects of this kind may belong to the environment.",
      "x-kubernetes-list-type": "set",
    }),
    matchLabels: boundedStringMap(
      "Labels a delivery object must carry, each with exactly this value, to belong to the environment; " +
        "empty means every object of the kind in those namespaces. Labels are written by whoever may edit the " +
        "delivery object; names and namespaces are not (see names).",
      { entries: 32, key: 316, value: 63 },
    ).default({}),
    names: z
      .array(ObjectName)
      .min(1)
      .max(200)
      .optional()
      .meta({
        description:
          "When set, only delivery objects with one of these names (in the namespaces above, and carrying " +
          "matchLabels) belong to the environment. Unlike a label, nobody who edits a delivery object can move " +
          "it into the environment this way: use names where one namespace holds objects of several environments.",
        "x-kubernetes-list-type": "set",
      }),
  })
  .describe("The delivery objects of one kind that belong to the environment.");
export type DeliveryScope = z.infer<typeof DeliveryScope>;

/**
 * The delivery objects an environment owns: a release may only deliver to this environment through one of them.
 * A kind left out owns nothing.
 */
export const EnvironmentDelivery = z
  .object({
    argoCDApplications: DeliveryScope.optional().describe("The Argo CD Applications this environment owns."),
    fluxKustomizations: DeliveryScope.optional().describe("The Flux Kustomizations this environment owns."),
    fluxHelmReleases: DeliveryScope.optional().describe("The Flux HelmReleases this environment owns."),
  })
  .describe(
    "The delivery objects (Argo CD Applications, Flux Kustomizations and HelmReleases) that belong to this " +
      "environment. A release may only target objects its environment owns; a kind left out owns nothing.",
  );
export type EnvironmentDelivery = z.infer<typeof EnvironmentDelivery>;

/** What platform engineers write on an Environment. */
export const EnvironmentSpec = z
  .object({
    description: z.string().max(LIMITS.text).optional().describe("What this environment is for."),
    promotesFrom: z.array(ObjectName).max(20).default([]).meta({
      description:
        "Environments a release must be Verified in before it may enter this one. Empty for the first stage.",
      "x-kubernetes-list-type": "set",
    }),
    regulated: z
      .boolean()
      .default(false)
      .describe("Whether changes here fall under change control (separation of duties on by default)."),
    gate: GatePolicy.default({
      requiredApprovals: 0,
      cabRiskClasses: [],
      cabGroup: "cab",
      approvalTimeout: "72h",
      retention: "2160h",
      mutableRevisions: "Refuse",
      requiredChecks: [],
      windows: [],
      workflowTemplates: [],
      freezes: [],
    }),
    delivery: EnvironmentDelivery.default({}),
    verification: VerificationPolicy.optional(),
    owners: z
      .object({
        infrastructure: z
          .array(Owner)
          .max(LIMITS.people)
          .default([])
          .describe("Who verifies the environment is ready before a deployment window."),
        application: z
          .array(Owner)
          .max(LIMITS.people)
          .default([])
          .describe("Who owns the applications running here."),
      })
      .default({ infrastructure: [], application: [] })
      .describe("The people responsible for the environment."),
    taskSLA: Duration.optional().describe(
      "How long after creation tasks opened for this environment are due, for example 48h.",
    ),
    escalation: EscalationPolicy.optional(),
    roles: z
      .array(RoleMembers)
      .max(6)
      .default([])
      .meta({
        description:
          "Who holds each coordination role here: tasks owned by a role (owners of kind Role) belong to its members, " +
          "who may complete them, and escalations to owners reach them.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["role"],
      }),
    teamRoles: z
      .array(TeamRoles)
      .max(LIMITS.people)
      .default([])
      .meta({
        description:
          "Who holds coordination roles per team here. A task takes the binding its stagegate.io/team label names if " +
          "that binding lists the task's namespace, else the only binding listing its namespace, else none; the " +
          "binding's members hold the roles it binds, and spec.roles the others. A label never reaches a binding " +
          "that does not list the task's namespace.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["team"],
      }),
  })
  .describe("One stage of the release pipeline and its gate policy.");
export type EnvironmentSpec = z.infer<typeof EnvironmentSpec>;

/** What the operator concludes about an Environment. */
export const EnvironmentStatus = z
  .object({
    observedGeneration: ObservedGeneration,
    conditions: Conditions.optional(),
    order: z
      .number()
      .int()
      .optional()
      .describe("The position of the environment in the pipeline: 0 for the first stage, then 1, 2, ..."),
    path: z
      .array(z.string())
      .optional()
      .describe(
        "The longest chain of environments a release passes through to reach this one, first stage first, ending with this one.",
      ),
  })
  .describe("The state of the environment as the operator last observed it.");
export type EnvironmentStatus = z.infer<typeof EnvironmentStatus>;

/** The Environment kind: one cluster-wide stage with its gate policy. */
export const environmentKind: KindDefinition<typeof EnvironmentSpec, typeof EnvironmentStatus> = {
  kind: "Environment",
  plural: "environments",
  singular: "environment",
  listKind: "EnvironmentList",
  shortNames: ["env", "envs"],
  scope: "Cluster",
  description: "A stage of the release pipeline (dev, test, staging, prod) and the gate that guards it.",
  spec: EnvironmentSpec,
  status: EnvironmentStatus,
  validations: [
    {
      rule: "!self.spec.promotesFrom.exists(p, p == self.metadata.name)",
      message: "an environment cannot promote from itself: remove its own name from spec.promotesFrom",
      fieldPath: ".spec.promotesFrom",
    },
  ],
  printerColumns: [
    { name: "Order", type: "integer", jsonPath: ".status.order", description: "Position in the pipeline." },
    { name: "After", type: "string", jsonPath: ".spec.promotesFrom", description: "Previous stages." },
    { name: "Regulated", type: "boolean", jsonPath: ".spec.regulated", description: "Under change control." },
    {
      name: "Approvals",
      type: "integer",
      jsonPath: ".spec.gate.requiredApprovals",
      description: "Approvals a change needs.",
    },
    {
      name: "Ready",
      type: "string",
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      description: "Whether the environment's definition is valid.",
    },
    AGE_COLUMN,
  ],
};
