import { z } from "zod";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { collectionPath } from "../../runtime/kube/resource.js";
import { PolicyRule } from "./rbac-rules.js";
import { coreResources, listEvery } from "./resources.js";
const RulesReview = z.looseObject({
  status: z.looseObject({
    resourceRules: z.array(PolicyRule).default([]),
    nonResourceRules: z.array(PolicyRule).default([]),
    incomplete: z.boolean().default(false),
    evaluationError: z.string().optional(),
  }),
});
/** What a SelfSubjectRulesReview answered. */
export type RulesReview = z.infer<typeof RulesReview>["status"];

/** Whom a SelfSubjectRulesReview is asked as: a user name and, optionally, its groups. */
interface Impersonated {
  user: string;
  groups?: string[];
}

/**
 * What `who` may do in `namespace` according to the API server's authorizers (a SelfSubjectRulesReview asked
 * while impersonating `who`; needs the impersonate permission, which cluster administrators have).
 */
async function rulesOf(client: KubeClient, who: Impersonated, namespace: string): Promise<RulesReview> {
  const body = await client.transport.request({
    method: "POST",
    path: collectionPath(coreResources.selfSubjectRulesReview),
    headers: {
      "Impersonate-User": who.user,
      ...(who.groups === undefined ? {} : { "Impersonate-Group": who.groups }),
    },
    body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } },
  });
  return RulesReview.parse(body).status;
}

const Subject = z.looseObject({ kind: z.string(), name: z.string(), namespace: z.string().optional() });
/** A RoleBinding or ClusterRoleBinding, as far as the RBAC check reads it. */
export const Binding = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  roleRef: z.looseObject({ kind: z.string(), name: z.string() }),
  subjects: z.array(Subject).nullish(),
});
export type Binding = z.infer<typeof Binding>;

/** Whether a binding names the ServiceAccount: as a ServiceAccount, its user name, or the service-account groups. */
function bindsServiceAccount(binding: Binding, namespace: string, name: string): boolean {
  return (binding.subjects ?? []).some(
    (s) =>
      (s.kind === "ServiceAccount" &&
        s.name === name &&
        (s.namespace ?? binding.metadata.namespace) === namespace) ||
      (s.kind === "User" && s.name === `system:serviceaccount:${namespace}:${name}`) ||
      (s.kind === "Group" &&
        (s.name === "system:serviceaccounts" || s.name === `system:serviceaccounts:${namespace}`)),
  );
}

/** The label Kubernetes puts on the RBAC defaults it creates (and re-creates) at start-up. */
const BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping";

/**
 * Whether a binding is one of Kubernetes' own defaults for every ServiceAccount (such as
 * system:service-account-issuer-discovery): a bootstrap ClusterRoleBinding of a system: ClusterRole to the
 * system:serviceaccounts group. What it grants is every ServiceAccount's, not the operator's.
 */
export function isServiceAccountDefault(b: Binding): boolean {
  return (
    b.metadata.namespace === undefined &&
    b.metadata.labels?.[BOOTSTRAP_LABEL] === "rbac-defaults" &&
    b.roleRef.kind === "ClusterRole" &&
    b.roleRef.name.startsWith("system:") &&
    (b.subjects ?? []).every((s) => s.kind === "Group" && s.name === "system:serviceaccounts")
  );
}

/** The rules of the bootstrap ClusterRoles that `defaults` bind (only roles that are bootstrap defaults too). */
async function defaultRules(client: KubeClient, defaults: readonly Binding[]): Promise<PolicyRule[]> {
  const roles = await Promise.all(
    defaults.map(async (b) => {
      try {
        return await client.get(coreResources.clusterRole, b.roleRef.name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }),
  );
  return roles.flatMap((role) =>
    role?.metadata.labels?.[BOOTSTRAP_LABEL] === "rbac-defaults"
      ? z
          .array(PolicyRule)
          .catch([])
          .parse((role as { rules?: unknown }).rules ?? [])
      : [],
  );
}

/** What the operator's RBAC is judged on, gathered from the API server. */
export interface RbacWorld {
  /** `namespace/name` of the ServiceAccount. */
  account: string;
  namespace: string;
  /** Every binding that names the ServiceAccount (as itself, its user name or a service-account group). */
  bindings: Binding[];
  /** Those of them that are Kubernetes' defaults for every ServiceAccount, and the rules they grant. */
  defaults: Binding[];
  everyServiceAccount: PolicyRule[];
  /** Per namespace looked at (its own first): what it may do, and what every authenticated user may. */
  reviews: { namespace: string; granted: RulesReview; baseline: RulesReview }[];
}

/**
 * Reads the bindings that name the ServiceAccount and asks the API server what it may do (impersonating it) in its
 * namespace and every namespace a RoleBinding names it, and what a user with only system:authenticated may.
 */
export async function gatherRbacWorld(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<RbacWorld> {
  const [clusterBindings, roleBindings] = await Promise.all([
    listEvery(client, coreResources.clusterRoleBinding),
    listEvery(client, coreResources.roleBinding),
  ]);
  const bindings = [...clusterBindings, ...roleBindings]
    .flatMap((b) => {
      const parsed = Binding.safeParse(b);
      return parsed.success ? [parsed.data] : [];
    })
    .filter((b) => bindsServiceAccount(b, namespace, name));
  const defaults = bindings.filter(isServiceAccountDefault);
  const namespaces = [
    ...new Set([
      namespace,
      ...bindings.flatMap((b) => (b.metadata.namespace === undefined ? [] : [b.metadata.namespace])),
    ]),
  ];
  const operator = { user: `system:serviceaccount:${namespace}:${name}` };
  const everyone = { user: "stagegate-check:baseline", groups: ["system:authenticated"] };
  const reviews = await Promise.all(
    namespaces.map(async (ns) => {
      const [granted, baseline] = await Promise.all([
        rulesOf(client, operator, ns),
        rulesOf(client, everyone, ns),
      ]);
      return { namespace: ns, granted, baseline };
    }),
  );
  return {
    account: `${namespace}/${name}`,
    namespace,
    bindings,
    defaults,
    everyServiceAccount: await defaultRules(client, defaults),
    reviews,
  };
}
