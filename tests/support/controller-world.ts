// The world of an in-process controller test: a namespace of its own, the controllers under test running as the
// operator identity (exactly config/rbac's permissions), an in-memory audit trail, names unique to the run for
// cluster-scoped objects, and the reads and bounded waits the tests assert with.
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import type { Condition } from "../../src/api/v1alpha1/condition.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { clientFor, createTestNamespace, waitFor, type TestScope } from "./kube.js";
import { MemoryAudit } from "./memory-audit.js";
import { serveWebhooksFor, type NamespaceWebhooks } from "./namespace-webhooks.js";
import { runControllers, type RunControllersOptions, type RunningControllers } from "./run-controllers.js";

const API_VERSION = "stagegate.io/v1alpha1";

/** One test file's world: its namespace, its Environments (cluster-scoped, so uniquely named) and its trail. */
export interface World extends TestScope {
  audit: MemoryAudit;
  running: RunningControllers;
  /** The namespace's webhooks, when the world serves them. */
  webhooks?: NamespaceWebhooks;
  /** Environment names created by this file, deleted at the end. */
  environments: string[];
  /** A name unique to this run for a cluster-scoped object, from a base such as `prod`. */
  unique(base: string): string;
}

/** What a world runs and how its names read. */
export interface WorldOptions {
  /** Prefix of the namespace's name (`rel-promo` gives `rel-promo-1a2b3c`). */
  namespacePrefix: string;
  /** The middle of {@link World.unique} names (`rp` gives `dev-rp-1a2b3c`); the namespace prefix by default. */
  tag?: string;
  /** The identity the controllers act as; `operator` by default. */
  identity?: IdentityName;
  /** The controllers under test. */
  controllers: RunControllersOptions["controllers"];
  /**
   * Serve the shipped admission webhooks for the namespace in this process, so requesters and decisions are
   * stamped as in production (a change opens a gate only when admission stamped the operator as its requester).
   */
  webhooks?: boolean;
}

/** Creates the namespace and starts the controllers in it; resolves once every informer has synced. */
export async function startControllerWorld(options: WorldOptions): Promise<World> {
  const admin = await clientFor("admin");
  const namespace = await createTestNamespace(admin, options.namespacePrefix);
  const audit = new MemoryAudit();
  const webhooks = options.webhooks === true ? await serveWebhooksFor(admin, namespace, audit) : undefined;
  const running = await runControllers({
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    namespace,
    audit,
    controllers: options.controllers,
  });
  const suffix = randomBytes(3).toString("hex");
  const tag = options.tag ?? options.namespacePrefix;
  return {
    admin,
    namespace,
    audit,
    running,
    ...(webhooks === undefined ? {} : { webhooks }),
    environments: [],
    unique: (base) => `${base}-${tag}-${suffix}`,
  };
}

/** Stops the controllers and removes what the file created. */
export async function stopWorld(world: World | undefined): Promise<void> {
  if (world === undefined) return;
  await world.running.stop();
  await world.webhooks?.stop();
  for (const name of world.environments)
    await deleteIgnoringMissing(world.admin, resources.environment, name);
  await deleteIgnoringMissing(world.admin, builtin.namespace, world.namespace);
  world.admin.close();
}

/** Deletes an object (cluster-scoped, or of `namespace`), and is content when it is already gone. */
export async function deleteIgnoringMissing(
  admin: KubeClient,
  rt: (typeof resources)[keyof typeof resources] | typeof builtin.namespace,
  name: string,
  namespace?: string,
): Promise<void> {
  try {
    await admin.delete(rt, name, namespace);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Registers a world for a describe block: started (then `setup` run) before its tests, stopped after them.
 * Returns an accessor that fails clearly if a test runs without it.
 */
export function useControllerWorld(
  options: WorldOptions,
  setup?: (world: World) => Promise<void>,
): () => World {
  let world: World | undefined;
  before(async () => {
    world = await startControllerWorld(options);
    await setup?.(world);
  });
  after(() => stopWorld(world));
  return () => {
    if (world === undefined) throw new Error("the world was not set up");
    return world;
  };
}

/** An Environment's `spec.delivery` owning every Argo CD Application and Flux object in `namespaces`. */
export function ownsDeliveryIn(...namespaces: string[]): Record<string, { namespaces: string[] }> {
  return {
    argoCDApplications: { namespaces },
    fluxKustomizations: { namespaces },
    fluxHelmReleases: { namespaces },
  };
}

/**
 * Creates a cluster-scoped Environment with the given spec as the admin, and remembers to delete it when the
 * caller keeps a list of its Environments (a world does). Unless the spec says otherwise, the Environment owns
 * every delivery object in the world's namespace.
 */
export async function createEnvironment(
  world: { admin: KubeClient; environments?: string[]; namespace?: string },
  name: string,
  spec: { regulated?: boolean; gate?: Record<string, unknown>; [field: string]: unknown },
): Promise<void> {
  world.environments?.push(name);
  const delivery =
    spec.delivery ?? (world.namespace === undefined ? undefined : ownsDeliveryIn(world.namespace));
  await world.admin.create(resources.environment, {
    apiVersion: API_VERSION,
    kind: "Environment",
    metadata: { name },
    spec: { ...spec, ...(delivery === undefined ? {} : { delivery }) },
  });
}

/** The status fields the tests read. */
export interface StatusView {
  conditions?: Condition[];
  [field: string]: unknown;
}

/** Reads an object of the scope's namespace, or undefined when it does not exist. */
export async function read(
  scope: TestScope,
  rt: (typeof resources)[keyof typeof resources],
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await scope.admin.get(rt, name, scope.namespace);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Waits, bounded, until the object exists and its status satisfies `ready`, and returns that status. */
export function waitForStatus(
  scope: TestScope,
  rt: (typeof resources)[keyof typeof resources],
  name: string,
  description: string,
  ready: (status: StatusView) => boolean,
  timeoutMs = 30_000,
): Promise<StatusView> {
  return waitFor(
    `${rt.kind} ${name} ${description}`,
    async () => {
      const status = ((await read(scope, rt, name))?.status ?? undefined) as StatusView | undefined;
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
