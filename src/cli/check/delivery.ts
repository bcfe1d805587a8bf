import type { TargetIdentity } from "../../api/v1alpha1/binding.js";
import { EnvironmentSpec, type EnvironmentDelivery } from "../../api/v1alpha1/environment.js";
import { targetIdentity } from "../../api/v1alpha1/release-binding.js";
import { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { deliveryOverlaps, type DeliveryObjectSeen } from "../../controllers/environment/delivery-overlap.js";
import { deliveryResources, resources } from "../../controllers/resources.js";
import { targetOwnership } from "../../policy/delivery-ownership.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import type { Check } from "./check-context.js";
import { failed, passed, warned, type CheckVerdict } from "./check-result.js";
import { listEvery } from "./resources.js";

/** Everything the ownership check reads, gathered first. */
export interface DeliveryWorld {
  environments: readonly KubeObject[];
  releases: readonly KubeObject[];
  objects: readonly DeliveryObjectSeen[];
  /** Delivery kinds whose CRDs the cluster does not serve (none of their objects exist). */
  absentKinds: readonly string[];
}

const keyOf = (o: Pick<DeliveryObjectSeen, "kind" | "namespace" | "name">): string =>
  `${o.kind}/${o.namespace}/${o.name}`;

/**
 * Every delivery object is claimed by at most one Environment (the controller's `deliveryOverlaps`), and every
 * Release's target is a delivery object its environment owns (the gate's `targetOwnership`, on the object's
 * current labels). A target whose object does not exist yet is a warning: the gate holds it until it does. Pure.
 */
export function judgeDelivery(world: DeliveryWorld): CheckVerdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  const scopes = new Map<string, EnvironmentDelivery>();
  const specs = new Map<string, EnvironmentSpec>();
  for (const env of world.environments) {
    const spec = EnvironmentSpec.safeParse(env.spec);
    if (!spec.success) {
      warnings.push(`Environment ${env.metadata.name} has a spec this build cannot read; it was skipped.`);
      continue;
    }
    scopes.set(env.metadata.name, spec.data.delivery);
    specs.set(env.metadata.name, spec.data);
  }
  const claimed = new Map<string, string[]>();
  for (const name of scopes.keys()) {
    for (const overlap of deliveryOverlaps(name, scopes, world.objects)) {
      claimed.set(overlap.object, [...new Set([name, ...overlap.others])].sort());
    }
  }
  for (const [object, claimants] of claimed) {
    problems.push(`${object} is claimed by ${claimants.length} Environments: ${claimants.join(", ")}.`);
  }
  const objects = new Map(world.objects.map((o) => [keyOf(o), o]));
  let targets = 0;
  for (const release of world.releases) {
    const spec = ReleaseSpec.safeParse(release.spec);
    const where = `Release ${release.metadata.namespace ?? ""}/${release.metadata.name}`;
    if (!spec.success) {
      warnings.push(`${where} has a spec this build cannot read; it was skipped.`);
      continue;
    }
    for (const target of spec.data.targets) {
      const env = specs.get(target.environment);
      if (env === undefined) continue;
      targets += 1;
      const identity: TargetIdentity = targetIdentity(target, spec.data);
      const seen = objects.get(keyOf(identity));
      const owned = targetOwnership(target.environment, env.delivery, { ...identity, labels: seen?.labels });
      if (owned.pass) continue;
      (seen === undefined ? warnings : problems).push(
        `${where}, target of ${target.environment}: ${owned.message}`,
      );
    }
  }
  const counted =
    `${world.environments.length} Environments, ${world.objects.length} delivery objects, ` +
    `${targets} release targets`;
  const absent =
    world.absentKinds.length === 0
      ? []
      : [`Not served here (so none exist): ${world.absentKinds.join(", ")}.`];
  if (problems.length > 0) {
    return failed(
      `Delivery objects are claimed twice or targeted outside their environment (${counted}).`,
      "Narrow each Environment's spec.delivery (namespaces or matchLabels) so every delivery object belongs to " +
        "one Environment, and point each release target at an object its environment owns (or label the object).",
      [...problems, ...warnings, ...absent],
    );
  }
  if (warnings.length > 0) {
    return warned(
      `No delivery object is claimed twice, but some targets could not be judged (${counted}).`,
      "Create the missing delivery objects with the labels their environment requires, or correct spec.targets.",
      [...warnings, ...absent],
    );
  }
  return passed(
    `Every release target is owned by its environment and no delivery object is claimed twice (${counted}).`,
    absent,
  );
}

const DELIVERY_KINDS: readonly [TargetIdentity["kind"], ResourceType][] = [
  ["Application", deliveryResources.argoCDApplication],
  ["Kustomization", deliveryResources.fluxKustomization],
  ["HelmRelease", deliveryResources.fluxHelmRelease],
];

/** Reads the Environments, the Releases and every Argo CD and Flux delivery object of the cluster. */
async function gatherDeliveryWorld(client: KubeClient): Promise<DeliveryWorld> {
  const absentKinds: string[] = [];
  const objects = await Promise.all(
    DELIVERY_KINDS.map(async ([kind, rt]) => {
      try {
        return (await listEvery(client, rt)).map((o) => ({
          kind,
          namespace: o.metadata.namespace ?? "",
          name: o.metadata.name,
          labels: o.metadata.labels ?? {},
        }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        absentKinds.push(`${rt.plural}.${rt.group}`);
        return [];
      }
    }),
  );
  const [environments, releases] = await Promise.all([
    listEvery(client, resources.environment),
    listEvery(client, resources.release),
  ]);
  return { environments, releases, objects: objects.flat(), absentKinds: absentKinds.sort() };
}

/** Every Environment's delivery targets are owned, and no delivery object is claimed twice. */
export const deliveryOwnershipCheck: Check = {
  name: "delivery-ownership",
  title: "Every delivery target is owned by its environment, and none is claimed twice",
  async run(ctx) {
    return judgeDelivery(await gatherDeliveryWorld(ctx.client));
  },
};
