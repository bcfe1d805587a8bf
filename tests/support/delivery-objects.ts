// The GitOps delivery objects the tests release through, created as a platform engineer would (`argocd app
// create`, `flux create`): no status until the tool's controller (played by the gitops driver) runs. Each has a
// plausible spec for the shop; the options are the fields a test depends on.
import { deliveryResources } from "../../src/controllers/resources.js";
import { fluxGitRepository } from "../../src/gitops/flux.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import type { TestScope } from "./kube.js";

/** The fields of an Argo CD Application a test depends on. */
export interface ApplicationOptions {
  /** `spec.source.repoURL`; the shop's repository unless given. */
  repoURL?: string;
  /** `spec.source.targetRevision`; `HEAD` unless given. */
  targetRevision?: string;
  /** `spec.destination.namespace`; `shop` unless given. */
  destinationNamespace?: string;
  /** `spec.syncPolicy.syncOptions`; no sync policy unless given. */
  syncOptions?: string[];
}

/** Creates the Argo CD Application `name` of a repository's `deploy` folder in the scope's namespace. */
export function createArgoApplication(
  scope: TestScope,
  name: string,
  options: ApplicationOptions = {},
): Promise<KubeObject> {
  return scope.admin.create(
    deliveryResources.argoCDApplication,
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name },
      spec: {
        project: "default",
        source: {
          repoURL: options.repoURL ?? "https://git.example.com/shop.git",
          path: "deploy",
          targetRevision: options.targetRevision ?? "HEAD",
        },
        destination: {
          server: "https://kubernetes.default.svc",
          namespace: options.destinationNamespace ?? "shop",
        },
        ...(options.syncOptions === undefined ? {} : { syncPolicy: { syncOptions: options.syncOptions } }),
      },
    },
    scope.namespace,
  );
}

/** Creates the Flux GitRepository `name` following branch main of `url` (the shop's repository unless given). */
export function createFluxGitRepository(
  scope: TestScope,
  name: string,
  url = "https://git.example.com/shop.git",
): Promise<KubeObject> {
  return scope.admin.create(
    fluxGitRepository,
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name },
      spec: { url, interval: "5m", ref: { branch: "main" } },
    },
    scope.namespace,
  );
}

/** Creates the Flux Kustomization `name` of `./deploy` from `sourceRef` (the GitRepository `name` unless given). */
export function createFluxKustomization(
  scope: TestScope,
  name: string,
  sourceRef: { kind: string; name: string } = { kind: "GitRepository", name },
): Promise<KubeObject> {
  return scope.admin.create(
    deliveryResources.fluxKustomization,
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name },
      spec: { interval: "10m", prune: true, path: "./deploy", sourceRef },
    },
    scope.namespace,
  );
}

/** Creates the Flux HelmRelease `name` of `chart` at `version`, from the HelmRepository named as the chart. */
export function createFluxHelmRelease(
  scope: TestScope,
  name: string,
  chart: { chart: string; version: string },
): Promise<KubeObject> {
  return scope.admin.create(
    deliveryResources.fluxHelmRelease,
    {
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name },
      spec: {
        interval: "10m",
        chart: {
          spec: { ...chart, sourceRef: { kind: "HelmRepository", name: chart.chart } },
        },
      },
    },
    scope.namespace,
  );
}
