import { z } from "zod";
import { MAX_EARLIER_DECLARERS } from "../api/v1alpha1/declarer.js";
import { LOCK_FINALIZER } from "../controllers/release/finalizer.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import type { JsonPatchOperation, UserInfo } from "./admission-review.js";
import { readObject } from "./admitted-objects.js";
import { refuse, settle } from "./audit-outcome.js";
import { decideWorkflow } from "./release-workflow.js";
import { jsonPointer } from "./stamping.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";
import type { AdmissionHandler } from "./webhook-context.js";

/** A Release as this webhook reads it, before schema validation: only the spec's shape matters. */
const StampableRelease = z.looseObject({ spec: z.record(z.string(), z.unknown()) });

/** The stamp as written into `spec.declaredBy`. */
export interface DeclarerStamp {
  username: string;
  groups: string[];
  earlier: string[];
}

function storedStamp(spec: Readonly<Record<string, unknown>>): DeclarerStamp | undefined {
  const parsed = z
    .object({
      username: z.string().min(1),
      groups: z.array(z.string()).default([]),
      earlier: z.array(z.string()).default([]),
    })
    .safeParse(spec.declaredBy);
  return parsed.success ? parsed.data : undefined;
}

/** The spec without `declaredBy`: what a user declares. */
function declared(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { declaredBy: _ignored, ...rest } = spec;
  return rest;
}

/**
 * The stamp a spec-changing request earns: the requester, with the release's earlier declarers (everyone who declared
 * it before, oldest first, the requester left out; the last {@link MAX_EARLIER_DECLARERS}). The history does not
 * restart when the revision changes: moving the release away and back would otherwise clear whoever declared that
 * revision first (ADR 0069). Pure.
 */
export function nextDeclarer(
  user: UserInfo,
  before: Readonly<Record<string, unknown>> | undefined,
): DeclarerStamp {
  const previous = before === undefined ? undefined : storedStamp(before);
  const history = previous === undefined ? [] : [...previous.earlier, previous.username];
  const earlier = [...new Set(history)].filter((name) => name !== user.username);
  return {
    username: user.username,
    groups: [...user.groups],
    earlier: earlier.slice(Math.max(0, earlier.length - MAX_EARLIER_DECLARERS)),
  };
}

/** What the webhook decides for one request: a denial, or the value `spec.declaredBy` must end up with. */
export type DeclarerDecision = { verdict: Verdict; stamp?: DeclarerStamp | undefined };

/**
 * Decides `spec.declaredBy` for a CREATE or UPDATE of a Release. A change of spec is stamped with the requester
 * ({@link nextDeclarer}); an update that leaves the rest of the spec alone (metadata, finalizers) keeps the
 * stored stamp. A request that itself sets `declaredBy` to anything but the stored stamp or the stamp it earns
 * is denied (`DeclaredByForged`), naming the fix. Pure.
 */
export function decideDeclarer(
  user: UserInfo,
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>>,
): DeclarerDecision {
  const changed = before === undefined || !jsonEqual(declared(before), declared(after));
  const stored = before === undefined ? undefined : storedStamp(before);
  const stamp = changed ? nextDeclarer(user, before) : stored;
  const typed = after.declaredBy;
  const untouched = typed === undefined || jsonEqual(typed, before?.declaredBy) || jsonEqual(typed, stamp);
  if (untouched) return { verdict: ALLOWED, stamp };
  return {
    verdict: deny(
      "DeclaredByForged",
      `spec.declaredBy is stamped by the server with who created or last changed the Release (here ` +
        `${user.username}) and cannot be set or altered by hand; leave spec.declaredBy out of your manifest.`,
    ),
  };
}

/** The JSON patch that leaves `spec.declaredBy` as decided. */
function declarerPatch(
  after: Readonly<Record<string, unknown>>,
  stamp: DeclarerStamp | undefined,
): JsonPatchOperation[] {
  if (stamp === undefined || jsonEqual(after.declaredBy, stamp)) return [];
  return [{ op: "add", path: jsonPointer("spec", "declaredBy"), value: stamp }];
}

/**
 * `/mutate/releases`: stamps `spec.declaredBy` on CREATE and on every UPDATE that changes the spec, from the
 * request's authenticated identity; keeps it on updates that do not; denies a request that forges it; stamps
 * `spec.workflow` with the named WorkflowTemplate on CREATE and keeps it immutable (`decideWorkflow`); gives a new
 * Release the lock finalizer. Status writes never reach it (the rules match `releases`, not `releases/status`).
 */
export const mutateRelease: AdmissionHandler = async (request, ctx) => {
  const op = request.operation;
  if ((op !== "CREATE" && op !== "UPDATE") || (request.subResource ?? "") !== "") {
    return settle(request, ctx, ALLOWED);
  }
  const after = readObject(StampableRelease, request.object, "object");
  if (!after.ok) return refuse(request, ctx, after.denial);
  let before: Record<string, unknown> | undefined;
  if (op === "UPDATE") {
    const old = readObject(StampableRelease, request.oldObject, "oldObject");
    if (!old.ok) return refuse(request, ctx, old.denial);
    before = old.value.spec;
  }
  const decision = decideDeclarer(request.userInfo, before, after.value.spec);
  if (!decision.verdict.allowed) return refuse(request, ctx, decision.verdict);
  const workflow = await decideWorkflow(before, after.value.spec, ctx.lookupWorkflowTemplate);
  if (!workflow.verdict.allowed) return refuse(request, ctx, workflow.verdict);
  const finalizer = op === "CREATE" ? lockFinalizerPatch(request.object) : [];
  return settle(request, ctx, ALLOWED, {
    patch: [...declarerPatch(after.value.spec, decision.stamp), ...workflow.patch, ...finalizer],
  });
};

const Finalizers = z.looseObject({
  metadata: z.looseObject({ finalizers: z.array(z.string()).optional() }).optional(),
});

/**
 * The JSON patch that gives a new Release the lock finalizer, so the operator need not write the Release before its
 * first lock (ADR 0033): the creation carries it. The operator still adds it to a Release that lacks it before it
 * takes a lock (one created while this webhook was not installed, or whose finalizer someone removed).
 */
export function lockFinalizerPatch(object: unknown): JsonPatchOperation[] {
  const parsed = Finalizers.safeParse(object);
  const finalizers = parsed.success ? parsed.data.metadata?.finalizers : undefined;
  if (finalizers?.includes(LOCK_FINALIZER) === true) return [];
  // `add` of a member that exists replaces it (RFC 6902): the finalizers named, then ours.
  return [
    {
      op: "add",
      path: jsonPointer("metadata", "finalizers"),
      value: [...(finalizers ?? []), LOCK_FINALIZER],
    },
  ];
}
