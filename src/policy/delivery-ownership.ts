import type { TargetIdentity } from "../api/v1alpha1/binding.js";
import type { DeliveryScope, EnvironmentDelivery } from "../api/v1alpha1/environment.js";
import { blocked, passed, type GateResult } from "./gate.js";

/** A delivery object as the ownership check sees it: its identity and, once read, its labels. */
export interface DeliveryObjectView {
  kind: TargetIdentity["kind"];
  namespace: string;
  name: string;
  /** The object's labels; undefined when the object was not read (it does not exist yet). */
  labels?: Readonly<Record<string, string>> | undefined;
}

const SCOPE_FIELD: Record<TargetIdentity["kind"], keyof EnvironmentDelivery> = {
  Application: "argoCDApplications",
  Kustomization: "fluxKustomizations",
  HelmRelease: "fluxHelmReleases",
};

const KIND_WORDS: Record<TargetIdentity["kind"], string> = {
  Application: "Argo CD Application",
  Kustomization: "Flux Kustomization",
  HelmRelease: "Flux HelmRelease",
};

/** `Argo CD Application argocd/shop-prod`: how messages name a delivery object. */
export function describeDeliveryObject(obj: Pick<DeliveryObjectView, "kind" | "namespace" | "name">): string {
  return `${KIND_WORDS[obj.kind]} ${obj.namespace}/${obj.name}`;
}

/** The field of `Environment.spec.delivery` that scopes a delivery kind, for messages: `spec.delivery.fluxKustomizations`. */
export function scopeField(kind: TargetIdentity["kind"]): string {
  return `spec.delivery.${SCOPE_FIELD[kind]}`;
}

/** The scope an environment declares for a delivery kind; undefined when it owns no object of that kind. */
export function scopeOf(
  delivery: EnvironmentDelivery | undefined,
  kind: TargetIdentity["kind"],
): DeliveryScope | undefined {
  return delivery?.[SCOPE_FIELD[kind]];
}

/**
 * Whether a scope holds an object: its namespace is listed, its name too when the scope lists names, and it carries
 * every label of matchLabels. An object not read yet (labels undefined) is held only by a scope without labels to
 * match: its labels are unknown.
 */
export function scopeHolds(scope: DeliveryScope | undefined, obj: DeliveryObjectView): boolean {
  if (scope === undefined || !scope.namespaces.includes(obj.namespace)) return false;
  if (scope.names !== undefined && !scope.names.includes(obj.name)) return false;
  const wanted = Object.entries(scope.matchLabels);
  if (wanted.length === 0) return true;
  const labels = obj.labels;
  return labels !== undefined && wanted.every(([k, v]) => labels[k] === v);
}

/**
 * The gate that keeps a release inside the world its environment owns: the target's delivery object must be in
 * the environment's `spec.delivery` scope for its kind. Environments, not Releases, say which objects they own.
 */
export function targetOwnership(
  environment: string,
  delivery: EnvironmentDelivery | undefined,
  obj: DeliveryObjectView,
): GateResult {
  const scope = scopeOf(delivery, obj.kind);
  const what = describeDeliveryObject(obj);
  if (scopeHolds(scope, obj)) {
    return passed("TargetOwned", `Environment ${environment} owns ${what}.`);
  }
  const field = scopeField(obj.kind);
  if (scope === undefined) {
    return blocked(
      "TargetNotOwned",
      `Environment ${environment} owns no ${KIND_WORDS[obj.kind]}s (${field} is not set), so it cannot be ` +
        `delivered through ${what}: target an object the environment owns, or ask a platform engineer to add ` +
        `it to ${field}.`,
    );
  }
  const labels = Object.entries(scope.matchLabels).map(([k, v]) => `${k}=${v}`);
  if (scope.names !== undefined && !scope.names.includes(obj.name)) {
    return blocked(
      "TargetNotOwned",
      `Environment ${environment} owns only the ${KIND_WORDS[obj.kind]}s named in ${field}.names ` +
        `(${scope.names.slice(0, 5).join(", ")}${scope.names.length > 5 ? ", ..." : ""}), not ${what}: target ` +
        "one of those, or ask a platform engineer to add it to the environment.",
    );
  }
  if (obj.labels === undefined && scope.namespaces.includes(obj.namespace)) {
    return blocked(
      "TargetNotOwned",
      `${what} does not exist, so it cannot carry the labels ${labels.join(",")} that ${field} of ` +
        `environment ${environment} requires: create it with those labels, or correct spec.targets.`,
    );
  }
  return blocked(
    "TargetNotOwned",
    `Environment ${environment} does not own ${what} (${field} holds namespaces ` +
      `[${scope.namespaces.join(", ")}]${labels.length === 0 ? "" : ` with labels ${labels.join(",")}`}): ` +
      "target an object the environment owns, or ask a platform engineer to add it to the environment.",
  );
}
