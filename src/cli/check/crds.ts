import { z } from "zod";
import { buildCustomResourceDefinition } from "../../api/v1alpha1/crd/custom-resource-definition.js";
import { API_VERSION, GROUP } from "../../api/v1alpha1/group.js";
import { ALL_KINDS } from "../../api/v1alpha1/kinds.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { Check } from "./check-context.js";
import { failed, passed, warned, type CheckVerdict } from "./check-result.js";
import { crdContract, digestOf, firstDifference } from "./crd-comparison.js";
import { coreResources, listEvery } from "./resources.js";

const CrdStatus = z.looseObject({
  conditions: z
    .array(z.looseObject({ type: z.string(), status: z.string(), message: z.string().optional() }))
    .optional(),
});

/** The CRDs this build defines, generated in memory from the same zod schemas as crds/ (`make generate`). */
export function expectedCrds(): { name: string; crd: unknown }[] {
  return ALL_KINDS.map((definition) => {
    const crd = buildCustomResourceDefinition(definition);
    return { name: crd.metadata.name, crd };
  });
}

/**
 * Compares the served Stagegate CRDs with the ones this build defines: each must exist, be Established with its
 * names accepted, and have the same contract (schema with its CEL rules, versions, names, printer columns). A
 * Stagegate CRD this build does not know is a warning (a newer install). Pure.
 */
export function judgeCrds(
  expected: readonly { name: string; crd: unknown }[],
  served: readonly KubeObject[],
): CheckVerdict {
  const byName = new Map(served.map((crd) => [crd.metadata.name, crd]));
  const problems: string[] = [];
  for (const { name, crd } of expected) {
    const found = byName.get(name);
    if (found === undefined) {
      problems.push(`CRD ${name} is not installed.`);
      continue;
    }
    const conditions = CrdStatus.safeParse(found.status ?? {}).data?.conditions ?? [];
    for (const type of ["Established", "NamesAccepted"]) {
      const condition = conditions.find((c) => c.type === type);
      if (condition?.status !== "True") {
        problems.push(`CRD ${name} is not ${type}${condition?.message ? `: ${condition.message}` : ""}.`);
      }
    }
    const want = crdContract(crd);
    const have = crdContract(found);
    const difference = firstDifference(want, have);
    if (difference !== undefined) {
      problems.push(
        `CRD ${name} differs from this build's (served ${digestOf(have)}, this build ${digestOf(want)}): ` +
          `${difference}.`,
      );
    }
  }
  const known = new Set(expected.map((e) => e.name));
  const unknownCrds = served
    .map((crd) => crd.metadata.name)
    .filter((name) => name.endsWith(`.${GROUP}`) && !known.has(name));
  const digest = digestOf(expected.map(({ crd }) => crdContract(crd)));
  if (problems.length > 0) {
    return failed(
      `The served Stagegate CRDs are not the ones this build (${API_VERSION}, CRDs ${digest}) expects.`,
      "Apply this build's CRDs: kubectl apply --server-side -f crds/ (Helm installs CRDs but does not upgrade " +
        "them), or run the stagegate CLI of the version that is installed.",
      problems,
    );
  }
  const summary = `All ${expected.length} Stagegate CRDs are established and identical to this build's (${API_VERSION}, CRDs ${digest}).`;
  if (unknownCrds.length > 0) {
    return warned(
      summary,
      "Use the stagegate CLI of the installed version, or delete CRDs of kinds Stagegate no longer serves.",
      [`The cluster also serves ${unknownCrds.join(", ")}, which this build does not know.`],
    );
  }
  return passed(summary);
}

/** The Stagegate CRDs are installed at the version this build ships. */
export const crdsCheck: Check = {
  name: "crds",
  title: "The Stagegate CRDs are installed at the version this build ships",
  async run(ctx) {
    const served = await listEvery(ctx.client, coreResources.customResourceDefinition);
    return judgeCrds(
      expectedCrds(),
      served.filter((crd) => crd.metadata.name.endsWith(`.${GROUP}`)),
    );
  },
};
