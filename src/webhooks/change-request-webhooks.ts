import type { AdmissionResponse } from "./admission-review.js";
import { ChangeRequestView, ClosableObject, readObject, StampableObject } from "./admitted-objects.js";
import { refuse, settle } from "./audit-outcome.js";
import { emergencyExpiry, needsEmergencyCheck, type EnvironmentLookup } from "./change-request-rules.js";
import { retentionNotOver } from "./retention.js";
import { requesterStamp } from "./stamping.js";
import { ALLOWED } from "./verdict.js";
import type { AdmissionHandler, WebhookContext } from "./webhook-context.js";

/**
 * `/mutate/changerequests`: on CREATE, stamps `spec.requestedBy` with the authenticated user name and groups,
 * overwriting whatever the manifest said. Other operations pass untouched.
 */
export const mutateChangeRequest: AdmissionHandler = async (request, ctx) => {
  if (request.operation !== "CREATE") return settle(request, ctx, ALLOWED);
  const object = readObject(StampableObject, request.object, "object");
  if (!object.ok) return refuse(request, ctx, object.denial);
  return settle(request, ctx, ALLOWED, { patch: requesterStamp(request.userInfo) });
};

/** Looks the Environment up through the context, turning "absent" and errors into a lookup result. */
async function lookUp(ctx: WebhookContext, name: string): Promise<EnvironmentLookup> {
  try {
    const spec = await ctx.lookupEnvironment(name);
    return spec === undefined ? { state: "missing" } : { state: "found", spec };
  } catch (error) {
    return { state: "unreadable", error: (error as Error).message };
  }
}

/**
 * `/validate/changerequests`: an Emergency change must expire in the future and within its Environment's
 * `gate.emergency.maxDuration`; a closed change is kept until `status.retainUntil`. Denials are recorded here; an
 * admitted CREATE is recorded as `ChangeRequested` by the ChangeRequest controller once the API server stored it.
 */
export const validateChangeRequest: AdmissionHandler = async (request, ctx): Promise<AdmissionResponse> => {
  const now = ctx.now();
  if (request.operation === "DELETE") {
    const old = readObject(ClosableObject, request.oldObject, "oldObject");
    if (!old.ok) return refuse(request, ctx, old.denial);
    return settle(request, ctx, retentionNotOver({ kind: "ChangeRequest", object: old.value, now }));
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return settle(request, ctx, ALLOWED);
  const current = readObject(ChangeRequestView, request.object, "object");
  if (!current.ok) return refuse(request, ctx, current.denial);
  let previous: ChangeRequestView | undefined;
  if (request.operation === "UPDATE") {
    const old = readObject(ChangeRequestView, request.oldObject, "oldObject");
    if (!old.ok) return refuse(request, ctx, old.denial);
    previous = old.value;
  }
  const changeRequest = current.value;
  const verdict = needsEmergencyCheck(changeRequest, previous)
    ? emergencyExpiry({
        changeRequest,
        environment: await lookUp(ctx, changeRequest.spec.environment),
        now,
      })
    : ALLOWED;
  // `ChangeRequested` is recorded by the ChangeRequest controller from the stored object, so a create the API
  // server refuses after admission (409, another webhook) leaves no entry saying it was made (ADR 0031).
  return settle(request, ctx, verdict, { recordedOnceStored: request.operation === "CREATE" });
};
