import { TokenReviewStatus } from "../runtime/kube/token-review-status.js";
import type { KubeRequest } from "../runtime/kube/transport.js";
import { Identity } from "../runtime/kube/self-review.js";

/** The one call a token review makes: the dashboard's own client (its ServiceAccount may create tokenreviews). */
export type ReviewTransport = { request(req: KubeRequest): Promise<unknown> };

/**
 * Asks the API server (TokenReview, as the dashboard's own ServiceAccount) whom `token` authenticates. Undefined
 * when the API server does not accept it; an API failure throws (never a sign-in).
 */
export async function reviewToken(transport: ReviewTransport, token: string): Promise<Identity | undefined> {
  const answer = TokenReviewStatus.parse(
    await transport.request({
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/tokenreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    }),
  );
  const user = answer.status?.user;
  if (answer.status?.authenticated !== true || user?.username === undefined || user.username === "") {
    return undefined;
  }
  return Identity.parse({ username: user.username, uid: user.uid, groups: user.groups ?? [] });
}
