// Shared set-up of the change-control integration tests: a namespace of their own, the ChangeRequest and
// Approval controllers running in-process as the operator identity (exactly config/rbac's permissions), an
// in-memory audit trail, and builders for the objects a test writes as the admin.
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import { createApprovalController } from "../../../src/controllers/change-control/approval-controller.js";
import { createChangeRequestController } from "../../../src/controllers/change-control/change-request-controller.js";
import { resources } from "../../../src/controllers/resources.js";
import { isNotFound } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { runControllers, type RunningControllers } from "../../support/run-controllers.js";

const API_VERSION = "stagegate.io/v1alpha1";

/** One test file's world: its namespace, its Environments (cluster-scoped, so uniquely named) and its trail. */
export interface World {
  admin: KubeClient;
  namespace: string;
  audit: MemoryAudit;
  running: RunningControllers;
  /** Environment names created by this file, deleted at the end. */
  environments: string[];
  /** A name unique to this run for a cluster-scoped object, from a base such as `prod`. */
  unique(base: string): string;
}

/** Creates the namespace and starts both change-control controllers as the operator. */
export async function startWorld(prefix: string): Promise<World> {
  const admin = await clientFor("admin");
  const namespace = await createTestNamespace(admin, prefix);
  const audit = new MemoryAudit();
  const running = await runControllers({
    namespace,
    audit,
    controllers: (deps, informers) => [
      createChangeRequestController(deps, informers),
      createApprovalController(deps, informers),
    ],
  });
  const suffix = randomBytes(3).toString("hex");
  return {
    admin,
    namespace,
    audit,
    running,
    environments: [],
    unique: (base) => `${base}-${prefix}-${suffix}`,
  };
}

/** Stops the controllers and removes what the file created. */
export async function stopWorld(world: World | undefined): Promise<void> {
  if (world === undefined) return;
  await world.running.stop();
  for (const name of world.environments)
    await deleteIgnoringMissing(world.admin, resources.environment, name);
  await deleteIgnoringMissing(world.admin, builtin.namespace, world.namespace);
  world.admin.close();
}

async function deleteIgnoringMissing(
  admin: KubeClient,
  rt: (typeof resources)[keyof typeof resources] | typeof builtin.namespace,
  name: string,
): Promise<void> {
  try {
    await admin.delete(rt, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Creates a cluster-scoped Environment with the given gate (and regulated flag) and remembers to delete it. */
export async function createEnvironment(
  world: World,
  name: string,
  spec: { regulated?: boolean; gate?: Record<string, unknown> },
): Promise<void> {
  world.environments.push(name);
  await world.admin.create(resources.environment, {
    apiVersion: API_VERSION,
    kind: "Environment",
    metadata: { name },
    spec,
  });
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
  await world.admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: { name, namespace: world.namespace },
      spec: {
        version: "1.0.0",
        source: { repoURL: "https://git.example.com/api.git", revision: "main", commits },
        pipeline: [environment],
        targets: argoCD === undefined ? [] : [{ environment, argoCD: { ...argoCD, revision: "main" } }],
        owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
      },
    },
    world.namespace,
  );
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
  await world.admin.patch(
    resources.approval,
    approval,
    world.namespace,
    { spec: { decisions: { [user]: { decision, decidedAt, groups, ...extra } } } },
    { type: "merge" },
  );
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

/** The status fields the tests read. */
export interface StatusView {
  conditions?: Condition[];
  [field: string]: unknown;
}

/** Reads an object of this world's namespace, or undefined when it does not exist. */
export async function read(
  world: World,
  rt: (typeof resources)[keyof typeof resources],
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await world.admin.get(rt, name, world.namespace);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Waits, bounded, until the object exists and its status satisfies `ready`, and returns that status. */
export function waitForStatus(
  world: World,
  rt: (typeof resources)[keyof typeof resources],
  name: string,
  description: string,
  ready: (status: StatusView) => boolean,
  timeoutMs = 30_000,
): Promise<StatusView> {
  return waitFor(
    `${rt.kind} ${name} ${description}`,
    async () => {
      const status = ((await read(world, rt, name))?.status ?? undefined) as StatusView | undefined;
      return status !== undefined && ready(status) ? status : undefined;
    },
    { timeoutMs },
  );
}

/** The condition of `type` in a status view. */
export function condition(status: StatusView, type: string): Condition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

/** Milliseconds since the epoch of an RFC 3339 time, failing the test on anything else. */
export function ms(time: unknown): number {
  const value = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(value)) throw new Error(`Not a time: ${String(time)}`);
  return value;
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
  let world: World | undefined;
  before(async () => {
    world = await startWorld(prefix);
    await setup?.(world);
  });
  after(() => stopWorld(world));
  return () => {
    if (world === undefined) throw new Error("the world was not set up");
    return world;
  };
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
