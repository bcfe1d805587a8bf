import { z } from "zod";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { collectionPath } from "../../runtime/kube/resource.js";
import type { Check } from "./check-context.js";
import { errored, failed, passed, warned } from "./check-result.js";
import {
  PolicyRule,
  describePermissions,
  permissionKey,
  permissionsOf,
  uncovered,
  type Permission,
} from "./rbac-rules.js";
import { coreResources, listEvery } from "./resources.js";
import { ShippedRolesError, readShippedOperatorRoles, type ShippedOperatorRoles } from "./shipped-rbac.js";

const RulesReview = z.looseObject({
  status: z.looseObject({
    resourceRules: z.array(PolicyRule).default([]),
    nonResourceRules: z.array(PolicyRule).default([]),
    incomplete: z.boolean().default(false),
    evaluationError: z.string().optional(),
  }),
});
type RulesReview = z.infer<typeof RulesReview>["status"];

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
const Binding = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  roleRef: z.looseObject({ kind: z.string(), name: z.string() }),
  subjects: z.array(Subject).nullish(),
});
type Binding = z.infer<typeof Binding>;

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
function isServiceAccountDefault(b: Binding): boolean {
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

const bindingName = (b: Binding): string =>
  b.metadata.namespace === undefined
    ? `ClusterRoleBinding ${b.metadata.name} (${b.roleRef.kind} ${b.roleRef.name})`
    : `RoleBinding ${b.metadata.namespace}/${b.metadata.name} (${b.roleRef.kind} ${b.roleRef.name})`;

const asPermissions = (review: RulesReview): Permission[] =>
  permissionsOf([...review.resourceRules, ...review.nonResourceRules]);

/**
 * The operator's ServiceAccount may do what config/rbac/operator-role.yaml grants and no more: its effective rules
 * (asked of the API server as that ServiceAccount, in its namespace and in every namespace a RoleBinding names it)
 * minus what every authenticated user may do, compared with the shipped ClusterRole (everywhere) and Role (in its
 * namespace). Extra permissions fail, naming the bindings that give them; missing ones fail too.
 */
export const operatorRbacCheck: Check = {
  name: "operator-rbac",
  title: "The operator's RBAC is no broader than shipped",
  async run(ctx) {
    const { client, options } = ctx;
    const { operatorNamespace: namespace, serviceAccount } = options;
    const account = `${namespace}/${serviceAccount}`;
    let shipped: ShippedOperatorRoles;
    try {
      shipped = await readShippedOperatorRoles(options.operatorRole);
    } catch (err) {
      if (err instanceof ShippedRolesError)
        return errored(`Nothing to compare with: ${err.message}`, undefined);
      throw err;
    }
    try {
      await client.get(coreResources.serviceAccount, serviceAccount, namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return failed(
        `There is no ServiceAccount ${account}.`,
        "Apply config/rbac (or pass --operator-namespace and --service-account with the operator's).",
      );
    }
    const [clusterBindings, roleBindings] = await Promise.all([
      listEvery(client, coreResources.clusterRoleBinding),
      listEvery(client, coreResources.roleBinding),
    ]);
    const bindings = [...clusterBindings, ...roleBindings]
      .map((b: KubeObject) => Binding.safeParse(b))
      .flatMap((parsed) => (parsed.success ? [parsed.data] : []))
      .filter((b) => bindsServiceAccount(b, namespace, serviceAccount));
    const defaults = bindings.filter(isServiceAccountDefault);
    const everyServiceAccount = await defaultRules(client, defaults);
    const namespaces = [
      namespace,
      ...new Set(bindings.flatMap((b) => (b.metadata.namespace === undefined ? [] : [b.metadata.namespace]))),
    ].filter((ns, i, all) => all.indexOf(ns) === i);

    const operator = { user: `system:serviceaccount:${namespace}:${serviceAccount}` };
    const everyone = { user: "stagegate-check:baseline", groups: ["system:authenticated"] };
    const extras = new Map<string, { where: string; permission: Permission }>();
    let missing: Permission[] = [];
    const notes: string[] = [];
    for (const ns of namespaces) {
      const [granted, baseline] = await Promise.all([
        rulesOf(client, operator, ns),
        rulesOf(client, everyone, ns),
      ]);
      if (granted.incomplete) {
        notes.push(
          `The API server's answer for namespace ${ns} is incomplete${granted.evaluationError ? ` (${granted.evaluationError})` : ""}: another authorizer may grant more.`,
        );
      }
      const allowed = [
        ...shipped.clusterRole.rules,
        ...(ns === namespace ? (shipped.role?.rules ?? []) : []),
        ...baseline.resourceRules,
        ...baseline.nonResourceRules,
        ...everyServiceAccount,
      ];
      for (const permission of uncovered(asPermissions(granted), allowed)) {
        const key = permissionKey(permission);
        if (!extras.has(key))
          extras.set(key, {
            where: ns === namespace ? `in ${ns} (or cluster-wide)` : `in ${ns}`,
            permission,
          });
      }
      if (ns === namespace) {
        const needed = permissionsOf([...shipped.clusterRole.rules, ...(shipped.role?.rules ?? [])]);
        missing = uncovered(needed, [...granted.resourceRules, ...granted.nonResourceRules]);
      }
    }
    const shippedRoleNames = new Set([shipped.clusterRole.name, shipped.role?.name]);
    const suspects = bindings
      .filter((b) => !shippedRoleNames.has(b.roleRef.name) && !defaults.includes(b))
      .map(bindingName);
    const problems: string[] = [];
    const byWhere = new Map<string, Permission[]>();
    for (const { where, permission } of extras.values())
      byWhere.set(where, [...(byWhere.get(where) ?? []), permission]);
    for (const [where, permissions] of byWhere) {
      problems.push(
        `${account} may do more than shipped ${where}: ${describePermissions(permissions).join("; ")}.`,
      );
    }
    if (missing.length > 0) {
      problems.push(`${account} lacks what the operator needs: ${describePermissions(missing).join("; ")}.`);
    }
    if (suspects.length > 0)
      problems.push(`Bindings beyond the shipped ones name it: ${suspects.join(", ")}.`);
    if (problems.length > 0) {
      const fix =
        extras.size > 0
          ? suspects.length > 0
            ? `Delete the extra bindings (${suspects.join(", ")}), and re-apply ${shipped.label} if its roles were edited.`
            : `Re-apply ${shipped.label}: the shipped roles were edited to grant more.`
          : missing.length > 0
            ? `Re-apply ${shipped.label} and config/rbac/operator-binding.yaml.`
            : `Delete the extra bindings (${suspects.join(", ")}): they grant nothing more today, but will if their roles grow.`;
      const verdict = extras.size > 0 || missing.length > 0 ? failed : warned;
      return verdict(`The operator's RBAC differs from ${shipped.label}.`, fix, [...problems, ...notes]);
    }
    const checked = `checked in ${namespaces.length === 1 ? "its namespace" : `namespaces ${namespaces.join(", ")}`}`;
    const message =
      `${account} may do exactly what ${shipped.label} grants (${checked}), beyond what every authenticated ` +
      "user and every ServiceAccount may by Kubernetes' defaults.";
    return notes.length > 0
      ? warned(message, "Review the other authorizers of your API server.", notes)
      : passed(message);
  },
};
