import { isNotFound } from "../../runtime/kube/api-error.js";
import type { Check } from "./check-context.js";
import { errored, failed, passed, warned, type CheckVerdict } from "./check-result.js";
import { gatherRbacWorld, type Binding, type RbacWorld } from "./rbac-review.js";
import {
  describePermissions,
  permissionKey,
  permissionsOf,
  uncovered,
  type Permission,
} from "./rbac-rules.js";
import { coreResources } from "./resources.js";
import {
  CERTIFICATE_ROLE_FILE_NAME,
  ShippedRolesError,
  readShippedOperatorRoles,
  type ShippedOperatorRoles,
} from "./shipped-rbac.js";

/**
 * The ClusterRole a namespace binds to the operator, in that namespace only, so it may read the Secrets its
 * NotificationRoutes name (config/rbac/user-roles.yaml, docs/notifications.md), and the one rule it ships with.
 */
const NOTIFICATION_SECRETS_ROLE = "stagegate-notification-secrets";
const NOTIFICATION_SECRETS_RULE = { verbs: ["get"], apiGroups: [""], resources: ["secrets"] };

/** Whether `ns` opted in to notifications: a RoleBinding there names the notification Secrets role. */
const notificationsOptIn = (world: RbacWorld, ns: string): boolean =>
  world.bindings.some((b) => b.metadata.namespace === ns && b.roleRef.name === NOTIFICATION_SECRETS_ROLE);

const bindingName = (b: Binding): string =>
  b.metadata.namespace === undefined
    ? `ClusterRoleBinding ${b.metadata.name} (${b.roleRef.kind} ${b.roleRef.name})`
    : `RoleBinding ${b.metadata.namespace}/${b.metadata.name} (${b.roleRef.kind} ${b.roleRef.name})`;

/**
 * Compares what the ServiceAccount may do with the shipped roles: a permission beyond the shipped ClusterRole
 * (everywhere), the shipped Role (its namespace), the file's optional Roles (the audit checkpoints) and the roles
 * of the certificate it manages (bound only with `--cert-source=operator`, so allowed but not required), `get` on
 * Secrets in a namespace that binds stagegate-notification-secrets to it (a team's opt-in to notifications), what
 * every authenticated user may and Kubernetes' defaults for every ServiceAccount is extra; a shipped permission it lacks is missing. Both fail; bindings beyond the shipped
 * ones are named in the fix (alone, a warning). An incomplete answer from the API server is a warning. Pure.
 */
export function judgeRbac(world: RbacWorld, shipped: ShippedOperatorRoles): CheckVerdict {
  const { account, namespace } = world;
  const extras = new Map<string, { where: string; permission: Permission }>();
  let missing: Permission[] = [];
  const notes: string[] = [];
  for (const { namespace: ns, granted, baseline } of world.reviews) {
    if (granted.incomplete) {
      const why = granted.evaluationError === undefined ? "" : ` (${granted.evaluationError})`;
      notes.push(
        `The API server's answer for namespace ${ns} is incomplete${why}: another authorizer may grant more.`,
      );
    }
    const allowed = [
      ...shipped.clusterRole.rules,
      ...(ns === namespace ? (shipped.role?.rules ?? []) : []),
      ...(ns === namespace ? shipped.optionalRoles.flatMap((r) => r.rules) : []),
      ...(shipped.certificate?.clusterRole?.rules ?? []),
      ...(ns === namespace ? (shipped.certificate?.role?.rules ?? []) : []),
      // A team namespace's opt-in to notifications: get Secrets there, and nothing more (an edited role still shows).
      ...(notificationsOptIn(world, ns) ? [NOTIFICATION_SECRETS_RULE] : []),
      ...baseline.resourceRules,
      ...baseline.nonResourceRules,
      ...world.everyServiceAccount,
    ];
    const where = ns === namespace ? `in ${ns} (or cluster-wide)` : `in ${ns}`;
    for (const permission of uncovered(
      permissionsOf([...granted.resourceRules, ...granted.nonResourceRules]),
      allowed,
    )) {
      const key = permissionKey(permission);
      if (!extras.has(key)) extras.set(key, { where, permission });
    }
    if (ns === namespace) {
      const needed = permissionsOf([...shipped.clusterRole.rules, ...(shipped.role?.rules ?? [])]);
      missing = uncovered(needed, [...granted.resourceRules, ...granted.nonResourceRules]);
    }
  }
  const shippedRoles = new Set([
    shipped.clusterRole.name,
    shipped.role?.name,
    ...shipped.optionalRoles.map((r) => r.name),
    shipped.certificate?.clusterRole?.name,
    shipped.certificate?.role?.name,
  ]);
  const isShipped = (b: Binding): boolean =>
    shippedRoles.has(b.roleRef.name) ||
    (b.roleRef.name === NOTIFICATION_SECRETS_ROLE &&
      b.roleRef.kind === "ClusterRole" &&
      b.metadata.namespace !== undefined);
  const suspects = world.bindings
    .filter((b) => !isShipped(b) && !world.defaults.includes(b))
    .map(bindingName);
  const byWhere = new Map<string, Permission[]>();
  for (const { where, permission } of extras.values())
    byWhere.set(where, [...(byWhere.get(where) ?? []), permission]);
  const problems = [...byWhere].map(
    ([where, permissions]) =>
      `${account} may do more than shipped ${where}: ${describePermissions(permissions).join("; ")}.`,
  );
  if (missing.length > 0) {
    problems.push(`${account} lacks what the operator needs: ${describePermissions(missing).join("; ")}.`);
  }
  if (suspects.length > 0) problems.push(`Bindings beyond the shipped ones name it: ${suspects.join(", ")}.`);
  const differs = `The operator's RBAC differs from ${shipped.label}.`;
  if (extras.size > 0) {
    const fix =
      suspects.length > 0
        ? `Delete the extra bindings (${suspects.join(", ")}), and re-apply ${shipped.label} if its roles were edited.`
        : `Re-apply ${shipped.label}: the shipped roles were edited to grant more.`;
    return failed(differs, fix, [...problems, ...notes]);
  }
  if (missing.length > 0) {
    return failed(differs, `Re-apply ${shipped.label} and config/rbac/operator-binding.yaml.`, [
      ...problems,
      ...notes,
    ]);
  }
  if (suspects.length > 0) {
    return warned(
      differs,
      `Delete the extra bindings (${suspects.join(", ")}): they grant nothing more today, but will if their roles grow.`,
      [...problems, ...notes],
    );
  }
  const looked = world.reviews.map((r) => r.namespace);
  const checked = looked.length === 1 ? "its namespace" : `namespaces ${looked.join(", ")}`;
  const certificate =
    shipped.certificate === undefined
      ? ""
      : ` (and no more than its certificate's roles, ${CERTIFICATE_ROLE_FILE_NAME}, grant)`;
  const message =
    `${account} may do exactly what ${shipped.label} grants${certificate} (checked in ${checked}), beyond what ` +
    "every authenticated user and every ServiceAccount may by Kubernetes' defaults.";
  return notes.length > 0
    ? warned(message, "Review the other authorizers of your API server.", notes)
    : passed(message);
}

/**
 * The operator's ServiceAccount may do what config/rbac/operator-role.yaml grants and no more (beyond the rights of
 * webhook-certificate-role.yaml, bound for the certificate it manages), as the API server evaluates it (SelfSubjectRulesReviews impersonating it); see {@link judgeRbac}.
 */
export const operatorRbacCheck: Check = {
  name: "operator-rbac",
  title: "The operator's RBAC is no broader than shipped",
  async run(ctx) {
    const { client, options } = ctx;
    const { operatorNamespace: namespace, serviceAccount } = options;
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
        `There is no ServiceAccount ${namespace}/${serviceAccount}.`,
        "Apply config/rbac (or pass --operator-namespace and --service-account with the operator's).",
      );
    }
    return judgeRbac(await gatherRbacWorld(client, namespace, serviceAccount), shipped);
  },
};
