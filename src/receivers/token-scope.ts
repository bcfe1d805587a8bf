import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** The most tokens one file may hold, and the most entries of any scope list: bounds what one file can cost. */
export const MAX_SCOPED_TOKENS = 256;
const MAX_SCOPE_ENTRIES = 256;

/** `*` in `namespaces`: every namespace the operator serves, for a cluster-wide sender written out on purpose. */
export const EVERY_NAMESPACE = "*";

const scopeList = (field: string) =>
  z
    .array(z.string().min(1, `every entry of ${field} must be non-empty`).max(512))
    .min(1, `${field} must name at least one entry, or be left out`)
    .max(MAX_SCOPE_ENTRIES, `${field} may hold at most ${MAX_SCOPE_ENTRIES} entries`);

/**
 * One sender's token and what it may touch. The `name` is who the audit trail and the tasks record as the actor;
 * what a payload claims (a CloudEvent's source, an Alertmanager receiver) is kept as detail, never as the actor.
 */
export const ScopedTokenSpec = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/,
      "name must be a lower-case DNS label of at most 63 characters",
    ),
  token: z
    .string()
    .min(16, "token must be at least 16 characters (for example `openssl rand -hex 32`)")
    .max(4096),
  namespaces: scopeList("namespaces"),
  /** Release names this token may act on (in its namespaces); absent: every release there. */
  releases: scopeList("releases").optional(),
  /** CloudEvent sources (pipeline events) or Alertmanager receivers it may send as; absent: any. */
  sources: scopeList("sources").optional(),
});
export type ScopedTokenSpec = z.infer<typeof ScopedTokenSpec>;

/** The token file: `tokens:` a list of {@link ScopedTokenSpec}, names and tokens each unique. */
export const ScopedTokenFile = z
  .strictObject({ tokens: z.array(ScopedTokenSpec).max(MAX_SCOPED_TOKENS) })
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    const secrets = new Set<string>();
    file.tokens.forEach((entry, index) => {
      if (names.has(entry.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["tokens", index, "name"],
          message: `name ${entry.name} is used twice`,
        });
      }
      if (secrets.has(entry.token)) {
        ctx.addIssue({
          code: "custom",
          path: ["tokens", index, "token"],
          message: "the same token is listed twice",
        });
      }
      names.add(entry.name);
      secrets.add(entry.token);
    });
  });

/** A token file that cannot be used; the message names the field and the fix. */
export class TokenFileError extends Error {
  override readonly name = "TokenFileError";
}

/** How the file should look, quoted by every refusal of a malformed one. */
const FORMAT_HINT =
  "write it as YAML: `tokens: [{name: shop-ci, token: <secret>, namespaces: [shop]}]` (optionally releases: and " +
  "sources:), see docs/pipeline-events.md#tokens";

/**
 * Parses a token file. The format before scopes (one bare token per line) is refused with the fix, never read
 * as tokens that may touch every namespace.
 */
export function parseScopedTokenFile(text: string, path: string): ScopedTokenSpec[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new TokenFileError(
      `the token file ${path} is not YAML (${(error as Error).message}); ${FORMAT_HINT}`,
    );
  }
  if (typeof raw === "string" || raw === null || raw === undefined) {
    throw new TokenFileError(
      `the token file ${path} holds bare tokens without a scope (the format before tokens were scoped); ` +
        `give each a name and its namespaces: ${FORMAT_HINT}`,
    );
  }
  const parsed = ScopedTokenFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? "the file" : issue.path.map(String).join(".") || "the file";
    throw new TokenFileError(
      `the token file ${path} is malformed at ${field}: ${issue?.message}; ${FORMAT_HINT}`,
    );
  }
  return parsed.data.tokens;
}

/** The scope of an authenticated sender, without its secret: what the receivers check every request against. */
export interface TokenScope {
  name: string;
  namespaces: readonly string[];
  releases?: readonly string[] | undefined;
  sources?: readonly string[] | undefined;
}

/** What a request would touch: the release's namespace and name, and what the payload says it comes from. */
export interface ScopeRequest {
  namespace: string;
  release?: string;
  source?: string;
}

/**
 * Why `scope` does not cover `request`, as a sentence naming the token, its scope and the fix; undefined when it
 * does.
 */
export function outOfScope(scope: TokenScope, request: ScopeRequest): string | undefined {
  const fix = "use a token scoped to it, or widen this token's scope in the operator's token file";
  if (!scope.namespaces.includes(EVERY_NAMESPACE) && !scope.namespaces.includes(request.namespace)) {
    return (
      `token ${scope.name} is scoped to namespaces [${scope.namespaces.join(", ")}], not ${request.namespace}; ` +
      fix
    );
  }
  if (
    request.release !== undefined &&
    scope.releases !== undefined &&
    !scope.releases.includes(request.release)
  ) {
    return `token ${scope.name} is scoped to releases [${scope.releases.join(", ")}], not ${request.release}; ${fix}`;
  }
  if (
    request.source !== undefined &&
    scope.sources !== undefined &&
    !scope.sources.includes(request.source)
  ) {
    return `token ${scope.name} is scoped to sources [${scope.sources.join(", ")}], not ${request.source}; ${fix}`;
  }
  return undefined;
}
