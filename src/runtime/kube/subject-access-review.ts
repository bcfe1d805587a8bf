import { z } from "zod";
import type { KubeRequest } from "./transport.js";

/** The answer of a SubjectAccessReview; every field optional, unknown ones kept. */
const SubjectAccessReviewStatus = z.looseObject({
  status: z.looseObject({ allowed: z.boolean().optional(), reason: z.string().optional() }).optional(),
});

/** Who is asked about: an identity as the API server authenticated it (a TokenReview's user, an admission's). */
export interface ReviewedUser {
  readonly username: string;
  readonly uid?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

/**
 * Asks the API server (a SubjectAccessReview) whether `user` may do what `attributes` say (`resourceAttributes` or
 * `nonResourceAttributes`): true only when it answers allowed. A failed request throws; the caller decides what an
 * unanswered question means, and never reads it as an allow.
 */
export async function accessAllowed(
  transport: { request(req: KubeRequest): Promise<unknown> },
  user: ReviewedUser,
  attributes: Readonly<Record<string, unknown>>,
): Promise<boolean> {
  const answer = SubjectAccessReviewStatus.parse(
    await transport.request({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.username,
          ...(user.uid === undefined ? {} : { uid: user.uid }),
          groups: user.groups ?? [],
          ...(user.extra === undefined ? {} : { extra: user.extra }),
          ...attributes,
        },
      },
    }),
  );
  return answer.status?.allowed === true;
}
