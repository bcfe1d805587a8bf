import { z } from "zod";
import { denialText, type Denial } from "./verdict.js";

/** The only AdmissionReview version the webhooks speak (`admissionReviewVersions: [v1]`). */
export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

/** The authenticated identity of the user behind an admission request, as the API server resolved it. */
export const UserInfo = z.object({
  username: z.string().min(1, "the API server always names the user"),
  uid: z.string().optional(),
  groups: z.array(z.string()).default([]),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});
export type UserInfo = z.infer<typeof UserInfo>;

/** A JSON object as the API server sends it in `object` and `oldObject`. */
const JsonObject = z.record(z.string(), z.unknown());

/** The admission.k8s.io/v1 AdmissionRequest fields the webhooks read; unknown fields are ignored. */
export const AdmissionRequest = z.object({
  uid: z.string().min(1),
  kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
  resource: z.object({ group: z.string(), version: z.string(), resource: z.string() }),
  subResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(["CREATE", "UPDATE", "DELETE", "CONNECT"]),
  userInfo: UserInfo,
  object: JsonObject.nullish(),
  oldObject: JsonObject.nullish(),
  dryRun: z.boolean().default(false),
});
export type AdmissionRequest = z.infer<typeof AdmissionRequest>;

/** The AdmissionReview envelope the API server POSTs to a webhook. */
export const AdmissionReview = z.object({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal("AdmissionReview"),
  request: AdmissionRequest,
});

/** The smallest thing a webhook needs to answer at all: the request's uid. */
const ReadableUid = z.object({ request: z.object({ uid: z.string().min(1) }) });

/** The outcome of reading a POSTed body. */
export type ParsedReview =
  | { ok: true; request: AdmissionRequest }
  | { ok: false; uid: string | undefined; field: string; problem: string };

/** Renders a zod issue path as the dotted field name a person can find in the payload. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(the body)" : path.map(String).join(".");
}

/**
 * Reads an AdmissionReview from parsed JSON. When it does not fit, the answer names the first offending field
 * and carries the request uid if one can be read, so the caller can still send a proper (denying) review.
 */
export function parseAdmissionReview(body: unknown): ParsedReview {
  const parsed = AdmissionReview.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data.request };
  const issue = parsed.error.issues[0];
  const uid = ReadableUid.safeParse(body);
  return {
    ok: false,
    uid: uid.success ? uid.data.request.uid : undefined,
    field: fieldName(issue?.path ?? []),
    problem: issue?.message ?? "does not match admission.k8s.io/v1 AdmissionReview",
  };
}

/**
 * One RFC 6902 operation; the webhooks add (which also replaces an existing object member), and remove only a
 * member they found in the request (a hand-over clears a task's acknowledgement).
 */
export type JsonPatchOperation = { op: "add"; path: string; value: unknown } | { op: "remove"; path: string };

/** The AdmissionResponse a webhook returns, in the wire shape of admission.k8s.io/v1. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  patchType?: "JSONPatch";
  patch?: string;
  warnings?: string[];
}

/** What the API server receives back: the review envelope around one response. */
export interface AdmissionReviewAnswer {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** Allows the request, applying `patch` (JSONPatch, base64 of its JSON as the API requires) when non-empty. */
export function allowResponse(
  uid: string,
  patch: readonly JsonPatchOperation[] = [],
  warnings: readonly string[] = [],
): AdmissionResponse {
  const response: AdmissionResponse = { uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(patch), "utf8").toString("base64");
  }
  if (warnings.length > 0) response.warnings = [...warnings];
  return response;
}

/** HTTP-style status of a denial: bad input is 400, a missing audit trail 503, a bug 500, a refused rule 403. */
function statusOf(denial: Denial): { code: number; reason: string } {
  switch (denial.rule) {
    case "MalformedRequest":
      return { code: 400, reason: "BadRequest" };
    case "AuditUnavailable":
      return { code: 503, reason: "ServiceUnavailable" };
    case "InternalError":
      return { code: 500, reason: "InternalError" };
    default:
      return { code: 403, reason: "Forbidden" };
  }
}

/** Denies the request; the message users see starts with the rule's name. */
export function denyResponse(uid: string, denial: Denial): AdmissionResponse {
  return { uid, allowed: false, status: { ...statusOf(denial), message: denialText(denial) } };
}

/** Wraps a response in the review envelope. */
export function reviewAnswer(response: AdmissionResponse): AdmissionReviewAnswer {
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}
