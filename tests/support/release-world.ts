// What the Release-controller tests share: the controllers a release needs to move through its pipeline, the
// Release they create, and the reads and bounded waits on a release's per-environment state and on the sync
// Stagegate asks of an Argo CD Application.
import { createApprovalController } from "../../src/controllers/change-control/approval-controller.js";
import { createChangeRequestController } from "../../src/controllers/change-control/change-request-controller.js";
import type { ControllerDeps } from "../../src/controllers/deps.js";
import { createDeploymentTaskController } from "../../src/controllers/deployment-task/controller.js";
import type { Informers } from "../../src/controllers/informers.js";
import { createReleaseController } from "../../src/controllers/release/controller.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import type { Controller } from "../../src/runtime/controller.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { waitForStatus, type StatusView } from "./controller-world.js";
import { pendingStagegateSync } from "./gitops-driver.js";
import { waitFor, type TestScope } from "./kube.js";

const API_VERSION = "stagegate.io/v1alpha1";

/** Builds one controller from the shared dependencies and informers, as every `create*Controller` does. */
export type ControllerFactory = (deps: ControllerDeps, informers: Informers) => Controller;

/**
 * The controllers that move a release through a gated pipeline (Release, DeploymentTask, ChangeRequest and
 * Approval), followed by `extra`, for `runControllers` or a world.
 */
export function releaseControllers(
  ...extra: ControllerFactory[]
): (deps: ControllerDeps, informers: Informers) => Controller[] {
  return (deps, informers) =>
    [
      createReleaseController,
      createDeploymentTaskController,
      createChangeRequestController,
      createApprovalController,
      ...extra,
    ].map((create) => create(deps, informers));
}

/** What varies between the tests' Releases; the rest is the shop's. */
export interface ReleaseInput {
  version: string;
  /** The source revision. */
  revision: string;
  pipeline: string[];
  /** Left out of the spec when undefined. */
  targets?: Record<string, unknown>[];
  /** `https://git.example.com/shop.git` unless given. */
  repoURL?: string;
  /** The source branch; left out unless given. */
  branch?: string;
  /** None unless given. */
  commits?: Record<string, unknown>[];
  /** Left out unless given. */
  workItems?: Record<string, unknown>[];
  /** dave as release manager and rollback owner unless given. */
  owners?: Record<string, unknown>;
  rollbackPolicy?: Record<string, unknown>;
  /** Labels of the Release (dimensions, for example); none unless given. */
  labels?: Record<string, string>;
}

/** The spec of a Release of `input`, as the tests write it. */
export function releaseSpec(input: ReleaseInput): Record<string, unknown> {
  return {
    version: input.version,
    source: {
      repoURL: input.repoURL ?? "https://git.example.com/shop.git",
      ...(input.branch === undefined ? {} : { branch: input.branch }),
      revision: input.revision,
      commits: input.commits ?? [],
    },
    ...(input.workItems === undefined ? {} : { workItems: input.workItems }),
    pipeline: input.pipeline,
    ...(input.targets === undefined ? {} : { targets: input.targets }),
    owners: input.owners ?? { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
    ...(input.rollbackPolicy === undefined ? {} : { rollbackPolicy: input.rollbackPolicy }),
  };
}

/** Creates the Release `name` of `input` in the scope's namespace, as the admin, and returns it as stored. */
export function createRelease(scope: TestScope, name: string, input: ReleaseInput): Promise<KubeObject> {
  return scope.admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: {
        name,
        namespace: scope.namespace,
        ...(input.labels === undefined ? {} : { labels: input.labels }),
      },
      spec: releaseSpec(input),
    },
    scope.namespace,
  );
}

/** One environment's entry of a Release status, as the tests read it. */
export interface ReleaseEnvironmentView {
  name: string;
  state: string;
  reasons?: string[];
  revision?: string;
  requestedAt?: string;
  gateClearedAt?: string;
  deployStartedAt?: string;
  deployedAt?: string;
  verifiedAt?: string;
}

/** The entry of `environment` in a Release status, if the controller has written one. */
export function envOf(status: StatusView, environment: string): ReleaseEnvironmentView | undefined {
  return (status.environments as ReleaseEnvironmentView[] | undefined)?.find((e) => e.name === environment);
}

/** Waits, bounded, until the Release is in `state` in `environment`, and returns its status. */
export function waitForEnvState(
  scope: TestScope,
  release: string,
  environment: string,
  state: string,
  timeoutMs = 30_000,
): Promise<StatusView> {
  return waitForStatus(
    scope,
    resources.release,
    release,
    `to be ${state} in ${environment}`,
    (s) => envOf(s, environment)?.state === state,
    timeoutMs,
  );
}

/** Waits, bounded, until the Application carries Stagegate's sync operation to `revision`, and returns it. */
export function syncRequested(
  scope: TestScope,
  application: string,
  revision: string,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  return waitFor(
    `Application ${application} to get Stagegate's sync to ${revision}`,
    async () => {
      const app = await scope.admin.get(deliveryResources.argoCDApplication, application, scope.namespace);
      return pendingStagegateSync(app) === revision ? app : undefined;
    },
    { timeoutMs },
  );
}
