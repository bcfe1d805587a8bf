import { z } from "zod";
import type { KubeClient } from "./client.js";
import { collectionPath, type ResourceType } from "./resource.js";

/** authentication.k8s.io/v1 SelfSubjectReview: "who does the API server think I am?" */
const selfSubjectReview = {
  group: "authentication.k8s.io",
  version: "v1",
  plural: "selfsubjectreviews",
  kind: "SelfSubjectReview",
  namespaced: false,
} as const satisfies ResourceType;

/** The identity the API server authenticated, exactly as admission webhooks and RBAC see it. */
export const Identity = z.object({
  username: z.string().min(1),
  uid: z.string().optional(),
  groups: z.array(z.string()).default([]),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});
export type Identity = z.infer<typeof Identity>;

const SelfSubjectReviewResponse = z.looseObject({
  status: z.looseObject({ userInfo: Identity }),
});

/**
 * Asks the API server who the caller is (a SelfSubjectReview, allowed to every authenticated user), so the CLI
 * keys decisions by the same user name the admission webhook checks, never by a name the user typed.
 */
export async function reviewSelf(client: KubeClient): Promise<Identity> {
  const body = await client.transport.request({
    method: "POST",
    path: collectionPath(selfSubjectReview),
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return SelfSubjectReviewResponse.parse(body).status.userInfo;
}
