import { canonicalJson, sha256Hex } from "../audit/canonical-hash.js";
import type { TargetIdentity } from "../api/v1alpha1/binding.js";
import type { KubeObject } from "../runtime/kube/object.js";

type Json = Record<string, unknown>;

const record = (value: unknown): Json =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};

/** `value` without the keys Stagegate itself writes when it promotes (the revision it pins). */
function without(value: unknown, ...keys: string[]): Json {
  return Object.fromEntries(Object.entries(record(value)).filter(([k]) => !keys.includes(k)));
}

function pick(value: unknown, keys: readonly string[]): Json {
  const from = record(value);
  return Object.fromEntries(keys.flatMap((k) => (from[k] === undefined ? [] : [[k, from[k]]])));
}

const KUSTOMIZATION_FIELDS = [
  "path",
  "sourceRef",
  "patches",
  "images",
  "components",
  "postBuild",
  "targetNamespace",
  "namePrefix",
  "nameSuffix",
  "commonMetadata",
  "kubeConfig",
] as const;

const HELM_RELEASE_FIELDS = ["chartRef", "values", "valuesFrom", "postRenderers", "targetNamespace"] as const;

/**
 * What a delivery object is told to deploy besides the revision Stagegate pins: for an Argo CD Application its
 * source or sources (repository, path, chart, Helm values and parameters, Kustomize images...) and destination;
 * for a Flux Kustomization its path, source, patches, images and substitutions; for a HelmRelease its chart (but
 * the version), values and post-renderers. A person who changes any of it deploys something no release approved,
 * even at the approved revision.
 */
export function desiredSource(kind: TargetIdentity["kind"], obj: KubeObject): Json {
  const spec = record(obj.spec);
  switch (kind) {
    case "Application":
      return {
        source: without(spec.source, "targetRevision"),
        sources: Array.isArray(spec.sources) ? spec.sources.map((s) => without(s, "targetRevision")) : [],
        destination: record(spec.destination),
      };
    case "Kustomization":
      return pick(spec, KUSTOMIZATION_FIELDS);
    case "HelmRelease":
      return {
        ...pick(spec, HELM_RELEASE_FIELDS),
        chart: without(record(record(spec.chart).spec), "version"),
      };
  }
}

/** The SHA-256 of {@link desiredSource} in canonical JSON: equal digests, same thing deployed. */
export function desiredSourceDigest(kind: TargetIdentity["kind"], obj: KubeObject): string {
  return `sha256:${sha256Hex(canonicalJson(desiredSource(kind, obj)))}`;
}
