// The objects of the governed-promotion end-to-end test: four Environments with their gates, the Argo CD
// Applications and Flux Kustomizations (with their GitRepositories) the releases deliver through, the Releases, and
// the reads the test asserts on. Everything is created as the cluster admin, as a platform engineer would.
import { randomBytes } from "node:crypto";
import type { ReleaseEnvironmentStatus, ReleaseStatus } from "../../src/api/v1alpha1/release.js";
import { ReleaseStatus as ReleaseStatusSchema } from "../../src/api/v1alpha1/release.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { createEnvironment } from "../support/controller-world.js";
import {
  createArgoApplication,
  createFluxGitRepository,
  createFluxKustomization,
} from "../support/delivery-objects.js";
import { waitFor } from "../support/kube.js";
import { createRelease as createShopRelease } from "../support/release-world.js";

/** How long any one step of the story may take before the test says what it waited for. */
export const STEP_TIMEOUT_MS = 60_000;

/** A fresh 40-hex commit id. */
export const commitId = (): string => randomBytes(20).toString("hex");

/** The four stages, uniquely named for this run (Environments are cluster-scoped). */
export interface Stages {
  dev: string;
  test: string;
  staging: string;
  prod: string;
}

/** The gates of the pipeline: dev open; test a scan; staging readiness, UAT and 1 approval; prod 2 approvals. */
export function stageSpecs(stages: Stages): [name: string, spec: Record<string, unknown>][] {
  return [
    [stages.dev, { description: "Takes every merge." }],
    [
      stages.test,
      {
        promotesFrom: [stages.dev],
        gate: { requiredChecks: ["SecurityScan"] },
        owners: { application: [{ name: "bob" }] },
      },
    ],
    [
      stages.staging,
      {
        promotesFrom: [stages.test],
        gate: {
          requiredChecks: ["EnvironmentReadiness", "UserAcceptance"],
          requiredApprovals: 1,
          approvers: { groups: ["approvers"] },
        },
        owners: { infrastructure: [{ name: "erin" }], application: [{ name: "bob" }] },
      },
    ],
    [
      stages.prod,
      {
        promotesFrom: [stages.staging],
        regulated: true,
        gate: {
          requiredApprovals: 2,
          approvers: { groups: ["approvers"] },
          separationOfDuties: true,
          // The operator of this suite reads no git (tests/security/separation-of-duties.test.ts does).
          commitAuthorSource: "Declared",
          // Opens every minute for an hour: always open, yet the window gate is asked.
          windows: [{ name: "always", schedule: "* * * * *", duration: "1h" }],
        },
      },
    ],
  ];
}

/** Creates the Environments of the pipeline. */
export async function createStages(admin: KubeClient, stages: Stages, namespace: string): Promise<void> {
  for (const [name, spec] of stageSpecs(stages)) {
    await createEnvironment({ admin, namespace }, name, spec);
  }
}

/** An Argo CD Application of the shop, as `argocd app create` leaves it: no status until the controller runs. */
export async function createApplication(admin: KubeClient, namespace: string, name: string): Promise<void> {
  await createArgoApplication({ admin, namespace }, name, { destinationNamespace: name });
}

/** A Flux Kustomization `name` with its own GitRepository source `name`, following branch main. */
export async function createKustomization(admin: KubeClient, namespace: string, name: string): Promise<void> {
  await createFluxGitRepository({ admin, namespace }, name, "https://git.example.com/payments.git");
  await createFluxKustomization({ admin, namespace }, name);
}

/** What a Release of the story is: its name, revision, pipeline and the delivery object per environment. */
export interface ReleasePlan {
  name: string;
  revision: string;
  pipeline: string[];
  tool: "argoCD" | "flux";
  /** Environment name -> Application or Kustomization name. */
  objects: Record<string, string>;
}

/** Creates a Release of `plan`, carrying one commit by grace (so she may not approve it) and one by bob. */
export async function createRelease(admin: KubeClient, namespace: string, plan: ReleasePlan): Promise<void> {
  const targets = plan.pipeline.map((environment) => {
    const name = plan.objects[environment] ?? "";
    return plan.tool === "argoCD"
      ? { environment, argoCD: { name, namespace, revision: plan.revision } }
      : { environment, flux: { kind: "Kustomization", name, namespace, revision: plan.revision } };
  });
  await createShopRelease({ admin, namespace }, plan.name, {
    version: "2.0.0",
    branch: "main",
    revision: plan.revision,
    commits: [
      {
        sha: plan.revision,
        author: { name: "Grace", email: "grace@example.com" },
        message: "SHOP-7 faster checkout",
      },
      { sha: commitId(), author: { name: "bob" }, message: "SHOP-8 fix basket totals" },
    ],
    workItems: [{ id: "SHOP-7", type: "Story", title: "Faster checkout" }],
    pipeline: plan.pipeline,
    targets,
    // A dimension to filter insights by: the Argo CD releases are the shop team's, the Flux ones payments'.
    labels: { "stagegate.io/team": plan.tool === "argoCD" ? "shop" : "payments" },
  });
}

/** The Release's status as stored (parsed), or an empty one before the operator wrote any. */
export async function releaseStatus(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<ReleaseStatus> {
  const obj = await admin.get(resources.release, name, namespace);
  return ReleaseStatusSchema.parse(obj.status ?? {});
}

/** One environment's entry of a Release status. */
export function envOf(status: ReleaseStatus, environment: string): ReleaseEnvironmentStatus | undefined {
  return status.environments?.find((e) => e.name === environment);
}

/** Waits until `check` holds for the Release's entry in `environment`; returns the whole status. */
export async function waitForEnvironment(
  admin: KubeClient,
  namespace: string,
  release: string,
  environment: string,
  what: string,
  check: (entry: ReleaseEnvironmentStatus) => boolean,
): Promise<ReleaseStatus> {
  let last: ReleaseEnvironmentStatus | undefined;
  try {
    return await waitFor(
      `${release} ${what} in ${environment}`,
      async () => {
        const status = await releaseStatus(admin, namespace, release);
        last = envOf(status, environment);
        return last !== undefined && check(last) ? status : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: err });
  }
}

/** Waits until the Release is in `state` in `environment`. */
export function waitForState(
  admin: KubeClient,
  namespace: string,
  release: string,
  environment: string,
  state: ReleaseEnvironmentStatus["state"],
): Promise<ReleaseStatus> {
  return waitForEnvironment(
    admin,
    namespace,
    release,
    environment,
    `to be ${state}`,
    (e) => e.state === state,
  );
}

/** Reads a delivery object (Application or Kustomization) of the namespace. */
export function readTargetObject(
  admin: KubeClient,
  namespace: string,
  tool: ReleasePlan["tool"],
  name: string,
): Promise<KubeObject> {
  const rt = tool === "argoCD" ? deliveryResources.argoCDApplication : deliveryResources.fluxKustomization;
  return admin.get(rt, name, namespace);
}
