import { z } from "zod";
import { boundedStringMap } from "./bounds.js";
import { ObjectName } from "./meta.js";
import { REVISION_SHAPE, shaped } from "./source-rules.js";

/** How a release reaches an environment through an Argo CD Application. */
export const ArgoCDTarget = z
  .object({
    name: ObjectName.describe("The name of the Argo CD Application."),
    namespace: ObjectName.default("argocd").describe("The namespace of the Application. Defaults to argocd."),
    revision: shaped(z.string().min(1).max(255), REVISION_SHAPE).describe(
      "The Git revision the Application must run.",
    ),
    mode: z
      .enum(["Sync", "PinTargetRevision"])
      .default("Sync")
      .describe(
        "Sync requests a sync to the revision (as `argocd app sync --revision` does); PinTargetRevision sets " +
          "spec.source.targetRevision. Defaults to Sync.",
      ),
  })
  .describe("An Argo CD Application that delivers the release to the environment.");
export type ArgoCDTarget = z.infer<typeof ArgoCDTarget>;

/** How a release reaches an environment through a Flux Kustomization or HelmRelease. */
export const FluxTarget = z
  .object({
    kind: z.enum(["Kustomization", "HelmRelease"]).describe("Kustomization or HelmRelease."),
    name: ObjectName.describe("The name of the Flux object."),
    namespace: ObjectName.default("flux-system").describe(
      "The namespace of the Flux object. Defaults to flux-system.",
    ),
    revision: shaped(z.string().min(1).max(255), REVISION_SHAPE)
      .optional()
      .describe("The source revision to pin, if any."),
    chartVersion: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("The Helm chart version to pin; only for kind HelmRelease."),
  })
  .meta({
    description: "A Flux Kustomization or HelmRelease that delivers the release to the environment.",
    "x-kubernetes-validations": [
      {
        rule: "self.kind == 'HelmRelease' || !has(self.chartVersion)",
        message: "chartVersion applies only to kind HelmRelease: remove it or set kind to HelmRelease",
        fieldPath: ".chartVersion",
      },
    ],
  });
export type FluxTarget = z.infer<typeof FluxTarget>;

/** Which Prometheus alerts are about this release in this environment. */
export const AlertSelector = z
  .object({
    matchLabels: boundedStringMap(
      "Labels an alert must carry, each with exactly this value, for example {namespace: shop-prod, app: shop}.",
      { entries: 64, value: 1024 },
    ),
  })
  .meta({
    description:
      "The alerts about this target: an alert matches when it carries every label of matchLabels. Only the " +
      "release currently deployed there acts on it.",
    "x-kubernetes-validations": [
      { rule: "size(self.matchLabels) > 0", message: "matchLabels needs at least one label" },
    ],
  });
export type AlertSelector = z.infer<typeof AlertSelector>;

/** Where the release lands in one environment; exactly one delivery mechanism per target. */
export const ReleaseTarget = z
  .object({
    environment: ObjectName.describe("The name of the Environment this target deploys to."),
    argoCD: ArgoCDTarget.optional(),
    flux: FluxTarget.optional(),
    alertSelector: AlertSelector.optional(),
  })
  .meta({
    description: "How the release is delivered to one environment: through Argo CD or through Flux.",
    "x-kubernetes-validations": [
      {
        rule: "has(self.argoCD) != has(self.flux)",
        message: "set exactly one of argoCD or flux on each target",
      },
    ],
  });
export type ReleaseTarget = z.infer<typeof ReleaseTarget>;
