import { z } from "zod";
import {
  ROLLBACK_ORIGIN_ANNOTATION,
  ROLLBACK_POLICY_ANNOTATION,
  ROLLBACK_SEAL_ANNOTATION,
  type SealedFacts,
} from "../controllers/rollback/seal.js";
import { provenCreator } from "../controllers/task-creator.js";
import type { RoleMembers } from "../api/v1alpha1/roles.js";
import { currentOwners } from "../policy/task-ownership.js";
import { KubeObject } from "../runtime/kube/object.js";
import type { AdmissionRequest } from "./admission-review.js";
import { isTaskOwner } from "./task-rules.js";
import { TaskView } from "./task-view.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";
import type { WebhookContext } from "./webhook-context.js";

/**
 * The identities of the cluster's own clean-up, stamped by the API server: the garbage collector (a Release deleted
 * takes its tasks with it) and the namespace controller (a namespace deleted takes everything in it).
 */
export const CLUSTER_CLEANUP: ReadonlySet<string> = new Set([
  "system:serviceaccount:kube-system:generic-garbage-collector",
  "system:serviceaccount:kube-system:namespace-controller",
]);

/** What the deletion rule reads of the stored task. */
const DeletedTask = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    type: z.string().optional(),
    releaseRef: z.looseObject({ name: z.string() }).optional(),
    environment: z.string().optional(),
    alert: z.looseObject({ name: z.string().optional() }).optional(),
  }),
});

const ORIGINS: readonly string[] = ["Alert", "Verification"] satisfies SealedFacts["origin"][];
const POLICIES: readonly string[] = ["Automatic", "Manual", "Disabled"] satisfies SealedFacts["policy"][];

/**
 * A person may not delete a Rollback task the operator opened (its seal verifies against the Release as it is):
 * it holds the release in its environment and is the record of the alert or failed verification that opened it, so
 * deleting it would silence a detection (ADR 0064). The operator and the cluster's clean-up may; any other task,
 * a task whose seal does not verify and a task whose Release is gone are not judged here. A Release that cannot be
 * read is a denial to retry, never an admission.
 */
export async function sealedTaskKept(
  request: AdmissionRequest,
  ctx: WebhookContext,
  isOperator: boolean,
): Promise<Verdict> {
  if (isOperator || CLUSTER_CLEANUP.has(request.userInfo.username)) return ALLOWED;
  const parsed = DeletedTask.safeParse(request.oldObject);
  if (!parsed.success || parsed.data.spec.type !== "Rollback") return ALLOWED;
  const task = parsed.data;
  const annotations = task.metadata.annotations ?? {};
  const [mac, origin, policy] = [
    annotations[ROLLBACK_SEAL_ANNOTATION],
    annotations[ROLLBACK_ORIGIN_ANNOTATION],
    annotations[ROLLBACK_POLICY_ANNOTATION],
  ];
  const namespace = task.metadata.namespace ?? request.namespace;
  const release = task.spec.releaseRef?.name;
  const environment = task.spec.environment;
  if (
    mac === undefined ||
    origin === undefined ||
    !ORIGINS.includes(origin) ||
    policy === undefined ||
    !POLICIES.includes(policy) ||
    namespace === undefined ||
    release === undefined ||
    environment === undefined ||
    ctx.rollbackSeal === undefined ||
    ctx.lookupReleaseUid === undefined
  ) {
    return ALLOWED;
  }
  let uid: string | undefined;
  try {
    uid = await ctx.lookupReleaseUid(namespace, release);
  } catch (error) {
    return deny(
      "SealedTaskKept",
      `Release ${release} could not be read (${(error as Error).message}), so whether Stagegate opened this ` +
        "Rollback task cannot be told; try again.",
    );
  }
  if (uid === undefined) return ALLOWED;
  const facts = {
    namespace,
    name: task.metadata.name,
    release: { name: release, uid },
    environment,
    origin: origin as SealedFacts["origin"],
    policy: policy as SealedFacts["policy"],
  };
  if (!ctx.rollbackSeal.verify(facts, mac)) return ALLOWED;
  const cause =
    origin === "Alert"
      ? `alert ${task.spec.alert?.name ?? "(unnamed)"}`
      : "a failed post-deployment verification";
  return deny(
    "SealedTaskKept",
    `DeploymentTask ${task.metadata.name} is the Rollback task Stagegate opened after ${cause} about release ` +
      `${release} in ${environment}: it holds the release there and is the record of why, so only Stagegate ` +
      "deletes it. The hold ends when the next deployment starts there; to decide against the rollback, its " +
      "owners set spec.cancelled: true.",
  );
}

/**
 * A Rollback task the rollback owner opened himself (its creator proven by the admission webhook's sealed stamp, ADR
 * 0012) holds the release as the operator's does: only its creator and its current owners withdraw it by deleting
 * it. Everyone else's delete would end the hold and the rollback (ADR 0064). Other tasks, and tasks with no proven
 * creator (the controller refuses those; they hold nothing), are not judged here.
 */
export async function ownRollbackTaskKept(
  request: AdmissionRequest,
  ctx: WebhookContext,
  rolesOf: (task: TaskView) => Promise<readonly RoleMembers[]>,
): Promise<Verdict> {
  const user = request.userInfo;
  if (CLUSTER_CLEANUP.has(user.username)) return ALLOWED;
  const task = TaskView.safeParse(request.oldObject);
  const stored = KubeObject.safeParse(request.oldObject);
  if (!task.success || !stored.success || task.data.spec.type !== "Rollback") return ALLOWED;
  const proof = provenCreator(ctx.creatorSeal, stored.data);
  if (!proof.proven || proof.creator === user.username) return ALLOWED;
  const owners = currentOwners(task.data.spec);
  if (isTaskOwner(owners, user, await rolesOf(task.data))) return ALLOWED;
  const names = owners.map((o) => `${o.kind} ${o.name}`).join(", ") || "nobody";
  return deny(
    "NotTaskOwner",
    `${user.username} may not delete Rollback task ${stored.data.metadata.name}: ${proof.creator} opened it, and while ` +
      "it stands it holds the release in its environment; only its creator and its owners " +
      `(${names}) withdraw it. Ask one of them.`,
  );
}
