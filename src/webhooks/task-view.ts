import { z } from "zod";

/**
 * The slice of a DeploymentTask the task webhooks read, as loose zod views. A mutating webhook sees objects before
 * schema validation, so a field the rules do not judge is never a reason to refuse (the CRD reports it); the
 * fields they do judge must read, or the request is refused as malformed.
 */

/** One checklist item: what it requires, and who set its state and evidence, when. */
export const TaskItemView = z.looseObject({
  name: z.string(),
  required: z.boolean().default(true),
  requiresEvidence: z.boolean().default(false),
  state: z.string().default("Pending"),
  evidence: z.record(z.string(), z.unknown()).optional(),
  completedBy: z.string().optional(),
  completedAt: z.string().optional(),
});
export type TaskItemView = z.infer<typeof TaskItemView>;

/** The owners of a task: users by name, groups by membership. */
export const TaskOwnerView = z.looseObject({ kind: z.string().default("User"), name: z.string() });
export type TaskOwnerView = z.infer<typeof TaskOwnerView>;

/** A task's acknowledgement: who and when, as stamped (or as a request typed them, to be judged). */
export const TaskAcknowledgementView = z.looseObject({
  by: z.string().optional(),
  at: z.string().optional(),
});
export type TaskAcknowledgementView = z.infer<typeof TaskAcknowledgementView>;

/** One hand-over: to whom, and who and when as stamped (or as typed). */
export const TaskHandoverView = z.looseObject({
  to: TaskOwnerView,
  by: z.string().optional(),
  at: z.string().optional(),
});
export type TaskHandoverView = z.infer<typeof TaskHandoverView>;

/** The artifact of a task's binding, as far as evidence is compared with it. */
const BindingArtifactView = z.looseObject({
  commit: z.string().optional(),
  digests: z.array(z.string()).default([]),
});

/** A DeploymentTask as the task webhooks judge it. */
export const TaskView = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().optional(),
      generateName: z.string().optional(),
      namespace: z.string().optional(),
      uid: z.string().optional(),
      annotations: z.record(z.string(), z.string()).optional(),
      labels: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
  spec: z.looseObject({
    type: z.string().optional(),
    releaseRef: z.unknown().optional(),
    environment: z.string().optional(),
    owners: z.array(TaskOwnerView).default([]),
    checklist: z.array(TaskItemView).default([]),
    alert: z.unknown().optional(),
    binding: z.looseObject({ artifact: BindingArtifactView.optional() }).optional(),
    acknowledgement: TaskAcknowledgementView.optional(),
    handovers: z.array(TaskHandoverView).default([]),
    log: z.array(z.unknown()).default([]),
    cancelled: z.boolean().optional(),
  }),
});
export type TaskView = z.infer<typeof TaskView>;

/** The fields of a task that only the operator may set or change: what it is, for whom, and what it checks. */
export const OPERATOR_ONLY_FIELDS = [
  "type",
  "releaseRef",
  "environment",
  "binding",
  "owners",
  "alert",
] as const;
export type OperatorOnlyField = (typeof OPERATOR_ONLY_FIELDS)[number];
