import { z } from "zod";

const StatusBody = z.looseObject({
  kind: z.literal("Status").optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
  details: z.unknown().optional(),
});

/**
 * The one error type for answers of the Kubernetes API: the HTTP status and the Status object's reason and
 * message, with predicates for the cases a controller treats specially.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** Builds an ApiError from a response status code and body (a metav1.Status when the server sent one). */
  static fromResponse(status: number, body: string, what: string): ApiError {
    let parsed: z.infer<typeof StatusBody> = {};
    try {
      const result = StatusBody.safeParse(JSON.parse(body));
      if (result.success) parsed = result.data;
    } catch {
      // Not JSON: keep the raw text as the message.
    }
    const message = parsed.message ?? (body.trim() || `HTTP ${status}`);
    return new ApiError(status, parsed.reason ?? "Unknown", `${what}: ${message}`, parsed.details);
  }
}

/** Raised when the API server cannot be reached or does not answer in time. */
export class TransportError extends Error {
  override readonly name = "TransportError";
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiError ? err.status : undefined;
}

/** The object does not exist. */
export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
/** A write carried a stale resourceVersion or the object already exists. */
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
/** The object already exists (a create lost a race or was repeated). */
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof ApiError && err.status === 409 && err.reason === "AlreadyExists";
/** A watch or list asked for a resourceVersion that etcd has compacted away; relist. */
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
/** RBAC (or an admission policy) refused the request. */
export const isForbidden = (err: unknown): boolean => statusOf(err) === 403;
/** The object failed validation (schema, CEL rules, admission). */
export const isInvalid = (err: unknown): boolean => statusOf(err) === 422;
