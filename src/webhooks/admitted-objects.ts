import { z } from "zod";
import { fieldName } from "./admission-review.js";
import { deny, type Denial } from "./verdict.js";

/**
 * The slices of ChangeRequests and Approvals the webhooks read, as loose zod views. They are deliberately
 * narrower than the API schemas: a mutating webhook sees objects before schema validation, and a rule must
 * never refuse a request over a field it does not judge (the API server's own validation reports those).
 */

const Metadata = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
});

/** The closure fields both kinds share: once `closedAt` is set the object is frozen until `retainUntil`. */
const ClosureStatus = z.looseObject({
  closedAt: z.string().optional(),
  retainUntil: z.string().optional(),
});

/** Any Stagegate object, for rules that only look at metadata and closure (DELETE). */
export const ClosableObject = z.looseObject({
  metadata: Metadata.default({}),
  status: ClosureStatus.optional(),
});
export type ClosableObject = z.infer<typeof ClosableObject>;

/** A ChangeRequest as the validating webhook judges it. */
export const ChangeRequestView = z.looseObject({
  metadata: Metadata.default({}),
  spec: z.looseObject({
    environment: z.string(),
    type: z.string(),
    releaseRef: z.looseObject({ name: z.string().optional() }).optional(),
    emergency: z.looseObject({ reason: z.string().optional(), expiresAt: z.string().optional() }).optional(),
  }),
});
export type ChangeRequestView = z.infer<typeof ChangeRequestView>;

/** A ChangeRequest as the mutating webhook stamps it: only a spec object is needed. */
export const StampableObject = z.looseObject({
  metadata: Metadata.default({}),
  spec: z.record(z.string(), z.unknown()),
});

/** One decision entry; everything but the shape of an object is the CRD's to validate. */
export const DecisionEntry = z.looseObject({
  decision: z.string().optional(),
  comment: z.string().optional(),
  decidedAt: z.string().optional(),
  revisitAt: z.string().optional(),
  groups: z.array(z.string()).optional(),
});
export type DecisionEntry = z.infer<typeof DecisionEntry>;

/** An Approval as the webhooks judge it. */
export const ApprovalView = z.looseObject({
  metadata: Metadata.default({}),
  spec: z.looseObject({
    changeRequestRef: z.looseObject({ name: z.string().optional() }).optional(),
    required: z.number().optional(),
    requiredGroups: z.array(z.string()).default([]),
    eligible: z
      .looseObject({ users: z.array(z.string()).default([]), groups: z.array(z.string()).default([]) })
      .default({ users: [], groups: [] }),
    excluded: z.array(z.looseObject({ user: z.string(), reason: z.string().default("") })).default([]),
    decisions: z.record(z.string(), DecisionEntry).default({}),
  }),
  status: ClosureStatus.extend({
    outcome: z.string().optional(),
    expiresAt: z.string().optional(),
  }).optional(),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

/**
 * Parses `value` (the request's `object` or `oldObject`, named by `where`) with a view. A misfit is a
 * `MalformedRequest` denial naming the field, so a webhook never allows what it could not read.
 */
export function readObject<S extends z.ZodType>(
  view: S,
  value: unknown,
  where: "object" | "oldObject",
): { ok: true; value: z.infer<S> } | { ok: false; denial: Denial } {
  if (value === undefined || value === null) {
    return { ok: false, denial: deny("MalformedRequest", `request.${where} is missing.`) };
  }
  const parsed = view.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = fieldName(["request", where, ...(issue?.path ?? [])]);
  return {
    ok: false,
    denial: deny("MalformedRequest", `${field} ${issue?.message ?? "cannot be read"}; fix the object.`),
  };
}
