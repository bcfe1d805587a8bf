// Shared set-up of the change-control integration tests: a controller world (tests/support/controller-world.ts)
// running the ChangeRequest and Approval controllers as the operator identity, and builders for the change-control
// objects a test writes as the admin.
import { randomBytes } from "node:crypto";
import { createApprovalController } from "../../../src/controllers/change-control/approval-controller.js";
import { createChangeRequestController } from "../../../src/controllers/change-control/change-request-controller.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import {
  createEnvironment,
  read,
  startControllerWorld,
  useControllerWorld,
  waitForStatus,
  type World,
  type WorldOptions,
} from "../../support/controller-world.js";
import { createRelease as createShopRelease } from "../../support/release-world.js";
import { clientFor } from "../../support/kube.js";
import type { IdentityName } from "../../../hack/local-cluster/identities.js";

export {
  condition,
  createEnvironment,
  ms,
  read,
  stopWorld,
  waitForStatus,
  type StatusView,
  type World,
} from "../../support/controller-world.js";

const API_VERSION = "stagegate.io/v1alpha1";

/** A world running the controllers of change control: ChangeRequest and Approval. */
const changeControlWorld = (prefix: string): WorldOptions => ({
  namespacePrefix: prefix,
  controllers: (deps, informers) => [
    createChangeRequestController(deps, informers),
    createApprovalController(deps, informers),
  ],
});

/** Creates the namespace and starts both change-control controllers as the operator. */
export function startWorld(prefix: string): Promise<World> {
  return startControllerWorld(changeControlWorld(prefix));
}

/** `n` commits by one author. */
export function commitsBy(n: number, name: string, email?: string): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    sha: randomBytes(20).toString("hex"),
    author: { name, ...(email === undefined ? {} : { email }) },
    message: `Change ${i + 1}`,
  }));
}

/** Creates a Release of `commits` for one environment, optionally delivered by an Argo CD Application. */
export async function createRelease(
  world: World,
  name: string,
  environment: string,
  commits: Record<string, unknown>[],
  argoCD?: { name: string; namespace: string },
): Promise<void> {
  await createShopRelease(world, name, {
    version: "1.0.0",
    repoURL: "https://git.example.com/api.git",
    revision: "main",
    commits,
    pipeline: [environment],
    targets: argoCD === undefined ? [] : [{ environment, argoCD: { ...argoCD, revision: "main" } }],
  });
}

/**
 * Creates a ChangeRequest. The admission webhook is not running in these tests, so `requestedBy` is written
 * here (the CRD lets it be set at creation), as the webhook would stamp it.
 */
export async function createChange(
  world: World,
  name: string,
  spec: { release: string; environment: string; type?: string; emergencyExpiresAt?: string },
  requestedBy: { username: string; groups: string[] } = { username: "dave", groups: ["release-managers"] },
): Promise<void> {
  const type = spec.type ?? "Normal";
  await world.admin.create(
    resources.changeRequest,
    {
      apiVersion: API_VERSION,
      kind: "ChangeRequest",
      metadata: { name, namespace: world.namespace },
      spec: {
        releaseRef: { name: spec.release },
        environment: spec.environment,
        type,
        justification: "Fixes the refund rounding bug.",
        plannedWindow: { start: "2030-01-01T08:00:00Z", end: "2030-01-01T10:00:00Z" },
        ...(type === "Emergency"
          ? { emergency: { reason: "Payments are down.", expiresAt: spec.emergencyExpiresAt } }
          : {}),
        requestedBy,
      },
    },
    world.namespace,
  );
}

/**
 * Writes one decision into an Approval as the admission webhook would leave it (decidedAt from the clock and
 * the approver's groups stamped), keyed by the approver's user name. Returns the decidedAt written.
 */
export async function decideAs(
  world: World,
  approval: string,
  user: string,
  groups: string[],
  decision: "Approve" | "Reject" | "Defer",
  extra: { comment?: string; revisitAt?: string } = {},
): Promise<string> {
  const decidedAt = new Date().toISOString();
  // Behind the webhooks only the person may write their decision: act as them (local identities are named as
  // their users); without webhooks the admin writes what the webhook would have stamped.
  const client = world.webhooks === undefined ? world.admin : await clientFor(user as IdentityName);
  try {
    await client.patch(
      resources.approval,
      approval,
      world.namespace,
      { spec: { decisions: { [user]: { decision, decidedAt, groups, ...extra } } } },
      { type: "merge" },
    );
  } finally {
    if (client !== world.admin) client.close();
  }
  return decidedAt;
}

/** Marks a change as carried out, as the promotion controller will: `status.usedAt`. Returns the time. */
export async function markUsed(world: World, change: string): Promise<string> {
  const usedAt = new Date().toISOString();
  await world.admin.patch(
    resources.changeRequest,
    change,
    world.namespace,
    { status: { usedAt } },
    { type: "merge", subresource: "status" },
  );
  return usedAt;
}

/** Waits until the Approval `name` exists and the operator has counted it once, and returns it. */
export async function openedApproval(world: World, name: string): Promise<KubeObject> {
  await waitForStatus(world, resources.approval, name, "to be counted", (s) => s.outcome !== undefined);
  const approval = await read(world, resources.approval, name);
  if (approval === undefined) throw new Error(`Approval ${name} disappeared`);
  return approval;
}

/**
 * Registers the file's world for a describe block: started (then `setup` run) before its tests, stopped after
 * them. Returns an accessor that fails clearly if a test runs without it.
 */
export function useWorld(prefix: string, setup?: (world: World) => Promise<void>): () => World {
  return useControllerWorld(changeControlWorld(prefix), setup);
}

/**
 * The regulated prod most tests use: two approvals from the approvers group, the CAB for high and critical risk,
 * and a release api-1 carrying commits by grace@example.com and bob@example.com. Returns the Environment's name.
 */
export async function setUpRegulatedProd(world: World): Promise<string> {
  const prod = world.unique("prod");
  await createEnvironment(world, prod, {
    regulated: true,
    gate: {
      // The controllers here read no git: accept the authors the Release declares (the default for a regulated
      // environment is Repository; change-control-policy.test.ts holds a change under it).
      commitAuthorSource: "Declared",
      requiredApprovals: 2,
      approvers: { groups: ["approvers"] },
      cabRiskClasses: ["high", "critical"],
    },
  });
  await createRelease(world, "api-1", prod, [
    ...commitsBy(2, "Grace Hopper", "grace@example.com"),
    ...commitsBy(1, "Bob Builder", "bob@example.com"),
  ]);
  return prod;
}
