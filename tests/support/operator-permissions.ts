// What an identity may do, as the API server answers it (a SelfSubjectRulesReview asked with the identity's own
// token), and the list docs/rbac.md documents for the operator's ServiceAccount, both as comparable permissions:
// `verb group/resource` for API resources (`verb /resource` in the core group) and `verb /url` for URLs.
import { requestWithToken, type BearerTarget } from "./service-account-token.js";

/** The marked table of docs/rbac.md that lists every permission of the operator's ServiceAccount. */
export const PERMISSIONS_TABLE = {
  start: "<!-- operator-permissions:start",
  end: "<!-- operator-permissions:end -->",
} as const;

/** One documented row: where it applies (`cluster`, or one namespace), the role granting it, its permissions. */
export interface DocumentedRow {
  where: string;
  grantedBy: string;
  permissions: string[];
}

interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}
interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** Every permission of a rule, one per verb and resource (or URL); resource names, if any, are kept visible. */
function expand(rule: ResourceRule | NonResourceRule): string[] {
  const names =
    "resourceNames" in rule && rule.resourceNames?.length ? ` [${rule.resourceNames.join(",")}]` : "";
  const targets =
    "nonResourceURLs" in rule
      ? (rule.nonResourceURLs ?? [])
      : ((rule as ResourceRule).apiGroups ?? []).flatMap((group) =>
          ((rule as ResourceRule).resources ?? []).map((resource) => `${group}/${resource}`),
        );
  return rule.verbs.flatMap((verb) => targets.map((target) => `${verb} ${target}${names}`));
}

/**
 * The permissions the token's identity has in `namespace` (the cluster-wide ones included), asked of the API server
 * with a SelfSubjectRulesReview. Throws when the server says its list is incomplete.
 */
export async function permissionsInNamespace(target: BearerTarget, namespace: string): Promise<Set<string>> {
  const answer = await requestWithToken(
    target,
    "POST",
    "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
    {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectRulesReview",
      spec: { namespace },
    },
  );
  if (answer.status !== 201)
    throw new Error(`SelfSubjectRulesReview answered ${answer.status}: ${answer.body}`);
  const status = (
    JSON.parse(answer.body) as {
      status: { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean };
    }
  ).status;
  if (status.incomplete) throw new Error("The API server's list of rules is incomplete.");
  return new Set([...status.resourceRules, ...status.nonResourceRules].flatMap(expand));
}

/** Splits a cell of comma-separated, optionally back-quoted words. */
function words(cell: string): string[] {
  return cell
    .split(",")
    .map((w) => w.replaceAll("`", "").trim())
    .filter((w) => w !== "");
}

/**
 * The rows of the marked table in `markdown`: `| API group | resources | verbs | where | granted by | why |`, where
 * the group `core` is the core group, `URLs` makes the resources non-resource URLs, and a resource followed by a
 * name in parentheses (`` `secrets` (`tls`) ``) is granted on that one object only (resourceNames).
 */
export function documentedPermissions(markdown: string): DocumentedRow[] {
  const start = markdown.indexOf(PERMISSIONS_TABLE.start);
  const end = markdown.indexOf(PERMISSIONS_TABLE.end);
  if (start < 0 || end < start)
    throw new Error("docs/rbac.md has no marked table of the operator's permissions.");
  const rows = markdown
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2);
  return rows.map((row) => {
    const [group = "", resources = "", verbs = "", where = "", grantedBy = ""] = row
      .split("|")
      .slice(1)
      .map((c) => c.trim());
    const groupName = words(group)[0] ?? "";
    const targets = words(resources).map((word) => {
      // `resource` (`name`): the rule names the one object it applies to (resourceNames).
      const named = /^(\S+)\s+\((\S+)\)$/.exec(word);
      const r = named?.[1] ?? word;
      const names = named?.[2] === undefined ? "" : ` [${named[2]}]`;
      return groupName === "URLs" ? r : `${groupName === "core" ? "" : groupName}/${r}${names}`;
    });
    return {
      where: words(where)[0] ?? "",
      grantedBy,
      permissions: words(verbs).flatMap((verb) => targets.map((t) => `${verb} ${t}`)),
    };
  });
}

/** What differs between two sets of permissions, as sorted lists. */
export function difference(
  actual: ReadonlySet<string>,
  expected: ReadonlySet<string>,
): { extra: string[]; missing: string[] } {
  return {
    extra: [...actual].filter((p) => !expected.has(p)).sort(),
    missing: [...expected].filter((p) => !actual.has(p)).sort(),
  };
}
