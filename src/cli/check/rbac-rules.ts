import { z } from "zod";

/**
 * One RBAC rule, as a Role or ClusterRole holds it and as a SelfSubjectRulesReview reports it (resource rules
 * carry apiGroups and resources, non-resource rules nonResourceURLs).
 */
export const PolicyRule = z.looseObject({
  verbs: z.array(z.string()).default([]),
  apiGroups: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  resourceNames: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/**
 * One atomic permission: a verb on a resource of a group (optionally one named object), or a verb on a
 * non-resource URL. A wildcard granted by a rule stays the literal `*`, which only a `*` covers.
 */
export type Permission =
  | { kind: "resource"; verb: string; group: string; resource: string; name?: string }
  | { kind: "url"; verb: string; url: string };

/** Expands rules into their atomic permissions. */
export function permissionsOf(rules: readonly PolicyRule[]): Permission[] {
  return rules.flatMap((rule): Permission[] => {
    if (rule.nonResourceURLs !== undefined && rule.nonResourceURLs.length > 0) {
      return rule.nonResourceURLs.flatMap((url) => rule.verbs.map((verb) => ({ kind: "url", verb, url })));
    }
    const names: (string | undefined)[] =
      rule.resourceNames !== undefined && rule.resourceNames.length > 0 ? rule.resourceNames : [undefined];
    return (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.flatMap((verb) =>
          names.map((name) =>
            name === undefined
              ? { kind: "resource" as const, verb, group, resource }
              : { kind: "resource" as const, verb, group, resource, name },
          ),
        ),
      ),
    );
  });
}

const listed = (values: readonly string[] | undefined, value: string): boolean =>
  values !== undefined && (values.includes(value) || values.includes("*"));

/** Whether a resource list grants `resource`: by name, by `*`, or a subresource by `*\/sub`. */
function grantsResource(resources: readonly string[] | undefined, resource: string): boolean {
  if (listed(resources, resource)) return true;
  const slash = resource.indexOf("/");
  return slash > 0 && (resources ?? []).includes(`*${resource.slice(slash)}`);
}

/** Whether `rule` grants `permission`, with RBAC's matching (wildcards, subresources, resourceNames, URL prefixes). */
export function covers(rule: PolicyRule, permission: Permission): boolean {
  if (!listed(rule.verbs, permission.verb)) return false;
  if (permission.kind === "url") {
    return (rule.nonResourceURLs ?? []).some(
      (url) => url === permission.url || (url.endsWith("*") && permission.url.startsWith(url.slice(0, -1))),
    );
  }
  if (!listed(rule.apiGroups, permission.group) || !grantsResource(rule.resources, permission.resource)) {
    return false;
  }
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (permission.name !== undefined && names.includes(permission.name));
}

/** The permissions that none of `rules` grants. */
export function uncovered(permissions: readonly Permission[], rules: readonly PolicyRule[]): Permission[] {
  return permissions.filter((permission) => !rules.some((rule) => covers(rule, permission)));
}

/** A stable key for a permission, to de-duplicate. */
export function permissionKey(p: Permission): string {
  return p.kind === "url"
    ? `url ${p.verb} ${p.url}`
    : `res ${p.verb} ${p.group}/${p.resource}${p.name === undefined ? "" : `/${p.name}`}`;
}

/**
 * Sentences for a list of permissions, grouped by what they apply to:
 * `get, list, watch on secrets ("" core group)`, `create on deployments.apps named web`, `get on URL /logs/*`.
 */
export function describePermissions(permissions: readonly Permission[]): string[] {
  const groups = new Map<string, Set<string>>();
  for (const p of permissions) {
    const target =
      p.kind === "url"
        ? `the non-resource URL ${p.url}`
        : `${p.resource === "*" ? "every resource" : p.resource}${
            p.group === "" ? " (core group)" : p.group === "*" ? " of every API group" : `.${p.group}`
          }${p.name === undefined ? "" : ` named ${p.name}`}`;
    const verbs = groups.get(target) ?? new Set<string>();
    verbs.add(p.verb === "*" ? "every verb (*)" : p.verb);
    groups.set(target, verbs);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([target, verbs]) => `${[...verbs].sort().join(", ")} on ${target}`);
}
