import { accessAllowed } from "./kube/subject-access-review.js";
import { TokenReviewStatus } from "./kube/token-review-status.js";
import { createHash } from "node:crypto";
import type { KubeRequest } from "./kube/transport.js";

/** What a caller of a protected endpoint is answered, before anything protected is rendered. */
export type MetricsAccess =
  { allowed: true; user: string } | { allowed: false; status: 401 | 403 | 503; message: string };

/** Decides whether the bearer token of a request may read what an endpoint protects. */
export interface MetricsAuthorizer {
  authorize(authorization: string | undefined): Promise<MetricsAccess>;
}

/**
 * What the SubjectAccessReview asks for one endpoint, and the fix a refused caller is told: a non-resource URL
 * (`/metrics`) or a resource, possibly virtual (`auditrecords` in `stagegate.io`, granted by ordinary RBAC).
 */
export interface EndpointPermission {
  attributes:
    | { nonResourceAttributes: { path: string; verb: string } }
    | { resourceAttributes: { group: string; resource: string; verb: string; namespace?: string } };
  /** What the caller may not do, as a phrase: "get /metrics". */
  action: string;
  /** The ClusterRole that grants it, named in the 401 and 403 answers. */
  role: string;
}

/** The permission /metrics asks for. */
export const METRICS_PERMISSION: EndpointPermission = {
  attributes: { nonResourceAttributes: { path: "/metrics", verb: "get" } },
  action: "get /metrics",
  role: "stagegate-metrics-reader",
};

/** How long an answer of the API server is reused for the same token: scrapes every 15 s cost two reviews a minute. */
const DEFAULT_CACHE_TTL_MS = 10_000;
/** The most tokens remembered; older answers are dropped first, so a flood of tokens cannot grow memory. */
const MAX_CACHED_TOKENS = 256;

/** The one call the authorizer makes: the operator's API client (which needs create on both review kinds). */
export type ReviewTransport = { request(req: KubeRequest): Promise<unknown> };

/**
 * Authorises scrapes through the API server, as controller-runtime's secure metrics and kube-rbac-proxy do: a
 * TokenReview authenticates the bearer token, then a SubjectAccessReview asks whether that user may `get` the
 * non-resource URL `/metrics` (the `stagegate-metrics-reader` ClusterRole grants it). No token or a token the API
 * server does not accept is 401; an identity without the right is 403; an API failure is 503 (never an allow).
 * Answers are cached per token digest for a few seconds.
 */
export function apiServerMetricsAuthorizer(
  transport: ReviewTransport,
  options: { cacheTtlMs?: number; now?: () => number } = {},
): MetricsAuthorizer {
  return apiServerAuthorizer(transport, METRICS_PERMISSION, options);
}

/**
 * The same TokenReview-then-SubjectAccessReview authorizer for any endpoint: 401 without an accepted token, 403
 * when the API server says the user lacks `permission`, 503 when it cannot be asked (never an allow). Tokens are
 * only ever kept as their SHA-256 digest, and never logged.
 */
export function apiServerAuthorizer(
  transport: ReviewTransport,
  permission: EndpointPermission,
  options: { cacheTtlMs?: number; now?: () => number } = {},
): MetricsAuthorizer {
  const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { access: MetricsAccess; expires: number }>();

  async function review(token: string): Promise<MetricsAccess> {
    const reviewed = TokenReviewStatus.parse(
      await transport.request({
        method: "POST",
        path: "/apis/authentication.k8s.io/v1/tokenreviews",
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
      }),
    );
    const user = reviewed.status?.user;
    if (reviewed.status?.authenticated !== true || user?.username === undefined) {
      return { allowed: false, status: 401, message: "the bearer token is not accepted by the API server" };
    }
    const allowed = await accessAllowed(
      transport,
      { ...user, username: user.username },
      permission.attributes,
    );
    if (allowed) return { allowed: true, user: user.username };
    return {
      allowed: false,
      status: 403,
      message:
        `${user.username} may not ${permission.action}: bind the ClusterRole ${permission.role} to the caller's ` +
        "identity",
    };
  }

  return {
    async authorize(authorization) {
      const token = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")?.[1];
      if (token === undefined) {
        return {
          allowed: false,
          status: 401,
          message: `send Authorization: Bearer <token> of an identity bound to ${permission.role}`,
        };
      }
      const key = createHash("sha256").update(token).digest("hex");
      const cached = cache.get(key);
      if (cached !== undefined && cached.expires > now()) return cached.access;
      let access: MetricsAccess;
      try {
        access = await review(token);
      } catch (error) {
        return {
          allowed: false,
          status: 503,
          message: `cannot review the token: ${(error as Error).message}`,
        };
      }
      cache.delete(key);
      cache.set(key, { access, expires: now() + ttl });
      if (cache.size > MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value ?? key);
      return access;
    },
  };
}
