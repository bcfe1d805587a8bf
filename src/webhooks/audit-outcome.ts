import type { AuditEvent, AuditObject } from "../audit/recorder.js";
import {
  allowResponse,
  denyResponse,
  type AdmissionRequest,
  type AdmissionResponse,
  type JsonPatchOperation,
} from "./admission-review.js";
import { denialText, deny, type Denial, type Verdict } from "./verdict.js";
import type { WebhookContext } from "./webhook-context.js";

/**
 * What an allowed request leaves behind: a patch to apply, and whether a controller records it once the API server
 * stored it (then the request is admitted only while the audit store can take entries, so nothing takes effect
 * that cannot be recorded; ADR 0031).
 */
export interface Acceptance {
  patch?: readonly JsonPatchOperation[];
  recordedOnceStored?: boolean;
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/**
 * The object a request is about, for the audit trail: from the object (which, in a validating webhook, carries the
 * generated name and uid of a CREATE), else the old object (DELETE), else the request's own name.
 */
export function auditObjectOf(request: AdmissionRequest): AuditObject {
  const source = request.object ?? request.oldObject;
  const metadata = (source?.metadata ?? {}) as Record<string, unknown>;
  const name = text(metadata.name) ?? text(request.name) ?? text(metadata.generateName) ?? "";
  const namespace = text(metadata.namespace) ?? text(request.namespace);
  const uid = text(metadata.uid);
  return {
    kind: request.kind.kind,
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(uid === undefined ? {} : { uid }),
  };
}

/** Records `event` as the request's user about the request's object; dry runs record nothing. */
async function record(
  request: AdmissionRequest,
  ctx: WebhookContext,
  event: Omit<AuditEvent, "actor" | "object">,
): Promise<void> {
  if (request.dryRun) return;
  await ctx.audit.record({ ...event, actor: request.userInfo.username, object: auditObjectOf(request) });
}

function logFields(request: AdmissionRequest): Record<string, unknown> {
  return {
    uid: request.uid,
    operation: request.operation,
    kind: request.kind.kind,
    namespace: request.namespace,
    name: auditObjectOf(request).name,
    user: request.userInfo.username,
    dryRun: request.dryRun,
  };
}

/**
 * Turns a rule's verdict into the webhook's answer. A denial is recorded as `AdmissionDenied`. An acceptance whose
 * entry a controller records from the stored object is allowed only while the audit store is available, else
 * denied (`AuditUnavailable`): nothing is admitted that could not be put on record.
 */
export async function settle(
  request: AdmissionRequest,
  ctx: WebhookContext,
  verdict: Verdict,
  acceptance: Acceptance = {},
): Promise<AdmissionResponse> {
  if (!verdict.allowed) return refuse(request, ctx, verdict);
  try {
    if (acceptance.recordedOnceStored === true && !request.dryRun) await ctx.audit.available();
  } catch (error) {
    ctx.log.error(
      { ...logFields(request), err: error },
      "The audit trail cannot take the entry of an admitted request",
    );
    return denyResponse(
      request.uid,
      deny(
        "AuditUnavailable",
        `the audit trail is unavailable (${(error as Error).message}), and nothing is admitted unrecorded; try ` +
          "again later.",
      ),
    );
  }
  return allowResponse(request.uid, acceptance.patch);
}

/** Denies the request and records the denial; if the trail cannot take it, the message says so (still a denial). */
export async function refuse(
  request: AdmissionRequest,
  ctx: WebhookContext,
  denial: Denial,
): Promise<AdmissionResponse> {
  ctx.log.info({ ...logFields(request), rule: denial.rule }, "Denied an admission request");
  try {
    await record(request, ctx, {
      action: "AdmissionDenied",
      details: { rule: denial.rule, message: denialText(denial), operation: request.operation },
    });
  } catch (error) {
    ctx.log.error({ ...logFields(request), err: error }, "Failed to record a denial in the audit trail");
    return denyResponse(request.uid, {
      ...denial,
      message: `${denial.message} (The audit trail is unavailable too: ${(error as Error).message}.)`,
    });
  }
  return denyResponse(request.uid, denial);
}
