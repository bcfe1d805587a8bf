// The world of the gate-integrity attacks: the operator as its own process with its admission webhooks, two
// Environments (dev, then a gated prod) that own Argo CD Applications, Flux Kustomizations and HelmReleases of the
// test's namespace by label, another team's namespace, and the least-privileged people who try to get around the
// gate: dave (a release manager of this namespace only), alice and carol (approvers).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { StoredAuditEntry } from "../../src/audit/entry.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin, type ResourceType } from "../../src/runtime/kube/resource.js";
import { readFileSync } from "node:fs";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { releaseSpec, type ReleaseInput } from "../support/release-world.js";
import { argoSyncs } from "../support/gitops-driver.js";

/** The label an Environment's scope selects its delivery objects by. */
export const ENV_LABEL = "stagegate.io/environment";
/** Full commit ids: gated environments approve nothing else. */
export const SHA_A = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
export const SHA_B = "9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d";
export const WAIT_MS = 60_000;

const rbac = (kind: string, plural: string): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: kind === "RoleBinding",
});
const roleBinding = rbac("RoleBinding", "rolebindings");

/** One file's world. */
export interface GateWorld {
  admin: KubeClient;
  /** dave: release manager, bound in this namespace only. */
  dave: KubeClient;
  alice: KubeClient;
  namespace: string;
  /** Another team's namespace, owned by no Environment here. */
  otherTeam: string;
  dev: string;
  prod: string;
  operator: E2eOperator;
  /** Environments created by the file (deleted at the end). */
  environments: string[];
  stop(): Promise<void>;
}

/**
 * The `spec.delivery` of an environment owning this namespace's Applications, Kustomizations and HelmReleases
 * labelled for it.
 */
export function ownsLabelled(namespace: string, environment: string): Record<string, unknown> {
  const scope = { namespaces: [namespace], matchLabels: { [ENV_LABEL]: environment } };
  return { argoCDApplications: scope, fluxKustomizations: scope, fluxHelmReleases: scope };
}

/** Makes `user` a release manager (stagegate-release-manager) of `namespace` only, as a platform engineer. */
export async function bindReleaseManager(admin: KubeClient, namespace: string, user: string): Promise<void> {
  await admin.create(
    roleBinding,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${user}-release-manager` },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "stagegate-release-manager",
      },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
    },
    namespace,
  );
}

/** Starts the world: namespaces, dave's RoleBinding, the operator with its webhooks, dev and prod. */
export async function startGateWorld(
  prefix: string,
  prodGate: Record<string, unknown> = {},
  operatorFlags: string[] = [],
): Promise<GateWorld> {
  const admin = await clientFor("admin");
  const namespace = await createTestNamespace(admin, prefix);
  const otherTeam = await createTestNamespace(admin, `${prefix}-other`);
  await bindReleaseManager(admin, namespace, "dave");
  const id = randomBytes(3).toString("hex");
  const dev = `dev-${id}`;
  const prod = `prod-${id}`;
  const environments = [dev, prod];
  const operator = await startE2eOperator(admin, namespace, {
    namePrefix: `gate-${id}`,
    flags: operatorFlags,
  });
  await admin.create(resources.environment, {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { name: dev },
    spec: { delivery: ownsLabelled(namespace, dev) },
  });
  await admin.create(resources.environment, {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { name: prod },
    spec: {
      promotesFrom: [dev],
      regulated: true,
      delivery: ownsLabelled(namespace, prod),
      gate: {
        requiredApprovals: 1,
        approvers: { groups: ["approvers"] },
        commitAuthorSource: "Declared",
        ...prodGate,
      },
    },
  });
  const [dave, alice] = await Promise.all([clientFor("dave"), clientFor("alice")]);
  return {
    admin,
    dave,
    alice,
    namespace,
    otherTeam,
    dev,
    prod,
    operator,
    environments,
    stop: async () => {
      await operator.stop();
      for (const env of environments) await ignoreMissing(() => admin.delete(resources.environment, env));
      for (const ns of [namespace, otherTeam]) await ignoreMissing(() => admin.delete(builtin.namespace, ns));
      for (const client of [admin, dave, alice]) client.close();
    },
  };
}

async function ignoreMissing(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Creates an Argo CD Application labelled for `environment` (none when undefined), as a platform engineer. */
export function createApplication(
  world: GateWorld,
  name: string,
  environment: string | undefined,
  namespace = world.namespace,
): Promise<KubeObject> {
  return world.admin.create(
    deliveryResources.argoCDApplication,
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name, ...(environment === undefined ? {} : { labels: { [ENV_LABEL]: environment } }) },
      spec: {
        project: "default",
        source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "HEAD" },
        destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
      },
    },
    namespace,
  );
}

/** An Argo CD target of `application` in this namespace at `revision`. */
export function argoTarget(world: GateWorld, environment: string, application: string, revision = SHA_A) {
  return { environment, argoCD: { name: application, namespace: world.namespace, revision } };
}

/** dave applies a Release; resolves to the stored object, or rejects with the API server's answer. */
export function daveCreatesRelease(world: GateWorld, name: string, input: ReleaseInput): Promise<KubeObject> {
  return world.dave.create(
    resources.release,
    { apiVersion: "stagegate.io/v1alpha1", kind: "Release", metadata: { name }, spec: releaseSpec(input) },
    world.namespace,
  );
}

/** Asserts `attempt` is refused at admission by `rule`, with a message naming `field` and saying what to do. */
export async function assertDenied(attempt: Promise<unknown>, rule: string, field: RegExp): Promise<string> {
  const error = await attempt.then(
    () => assert.fail(`the attempt was admitted; it should be denied by ${rule}`),
    (err: unknown) => err as Error,
  );
  assert.match(error.message, new RegExp(rule), error.message);
  assert.match(error.message, field, error.message);
  return error.message;
}

/** The resourceVersion of a delivery object now: a write by anyone changes it. */
export async function versionOf(
  world: GateWorld,
  rt: ResourceType,
  name: string,
  ns?: string,
): Promise<string> {
  const obj = await world.admin.get(rt, name, ns ?? world.namespace);
  return obj.metadata.resourceVersion ?? "";
}

/** The operator's audit entries (its file, which the hash chain orders). */
export function auditEntries(world: GateWorld): StoredAuditEntry[] {
  return readFileSync(world.operator.process.auditFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => StoredAuditEntry.parse(JSON.parse(line)));
}

/** Waits until the trail holds an entry of `action` matching `match`, and returns it. */
export function waitForAudit(
  world: GateWorld,
  action: string,
  match: (entry: StoredAuditEntry) => boolean,
): Promise<StoredAuditEntry> {
  return waitFor(
    `an audit entry ${action}`,
    () => auditEntries(world).find((e) => e.action === action && match(e)),
    { timeoutMs: WAIT_MS },
  );
}

/** The release's entry for `environment` once `accept` holds for it. */
export function waitForEntry(
  world: GateWorld,
  release: string,
  environment: string,
  accept: (entry: { state: string; reasons?: string[]; revision?: string }) => boolean,
): Promise<{ state: string; reasons?: string[]; revision?: string }> {
  return waitFor(
    `release ${release} in ${environment} to reach the expected state`,
    async () => {
      const obj = await world.admin.get(resources.release, release, world.namespace);
      const envs = (obj.status as { environments?: { name: string; state: string; reasons?: string[] }[] })
        ?.environments;
      const entry = envs?.find((e) => e.name === environment);
      return entry !== undefined && accept(entry) ? entry : undefined;
    },
    { timeoutMs: WAIT_MS },
  );
}

/** Whether `entry` is Gated with a reason matching `pattern`. */
export function gatedFor(pattern: RegExp) {
  return (entry: { state: string; reasons?: string[] }): boolean =>
    entry.state === "Gated" && (entry.reasons ?? []).some((r) => pattern.test(r));
}

/**
 * Waits until no release holds `app`'s lock (a release frees it in the pass after it stored Verified) and returns
 * the Application's resourceVersion then: from here on, any write to it is someone's doing.
 */
export async function settledVersion(world: GateWorld, app: string): Promise<string> {
  return waitFor(
    `${app}'s lock to be freed`,
    async () => {
      const obj = await world.admin.get(deliveryResources.argoCDApplication, app, world.namespace);
      return obj.metadata.annotations?.["stagegate.io/locked-by"] === undefined
        ? (obj.metadata.resourceVersion ?? "")
        : undefined;
    },
    { timeoutMs: WAIT_MS },
  );
}

/**
 * Merge-patches an Environment's spec as a platform engineer and waits until the operator has observed that
 * generation: from then on its caches (which the gate and the webhooks read) hold the change.
 */
export async function patchEnvironmentObserved(
  world: GateWorld,
  environment: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const patched = await world.admin.patch(
    resources.environment,
    environment,
    undefined,
    { spec },
    { type: "merge" },
  );
  await waitFor(
    `the operator to observe ${environment} at generation ${patched.metadata.generation ?? 0}`,
    async () => {
      const env = await world.admin.get(resources.environment, environment);
      const seen = (env.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
      return seen >= (patched.metadata.generation ?? 0) ? true : undefined;
    },
    { timeoutMs: WAIT_MS },
  );
}

/** Plays Argo CD: waits until Stagegate asks `app` to sync to `revision`, then completes that sync. */
export async function syncWhenAsked(
  world: GateWorld,
  app: string,
  revision = SHA_A,
  timeoutMs = WAIT_MS,
): Promise<void> {
  await waitFor(
    `Stagegate to ask ${app} to sync to ${revision}`,
    async () => {
      const op = (await world.admin.get(deliveryResources.argoCDApplication, app, world.namespace))
        .operation as { sync?: { revision?: string } } | undefined;
      return op?.sync?.revision === revision ? true : undefined;
    },
    { timeoutMs },
  );
  await argoSyncs(world.admin, { name: app, namespace: world.namespace }, { revision });
}

/** alice approves the change `name` through its Approval (the real webhook checks it is hers). */
export async function aliceApproves(
  world: GateWorld,
  change: string,
  comment = "Looks right.",
): Promise<void> {
  const approval = await waitFor(
    `an Approval for ${change}`,
    async () => {
      const cr = await world.admin.get(resources.changeRequest, change, world.namespace);
      return (cr.status as { approvalRef?: { name: string } } | undefined)?.approvalRef?.name;
    },
    { timeoutMs: WAIT_MS },
  );
  await world.alice.patch(
    resources.approval,
    approval,
    world.namespace,
    { spec: { decisions: { alice: { decision: "Approve", comment } } } },
    { type: "merge" },
  );
}
