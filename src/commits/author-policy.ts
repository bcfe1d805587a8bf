import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { z } from "zod";

/**
 * Where separation of duties learns who wrote a release, and who those people are in Kubernetes: the operator's
 * `--commit-authors-config` file (in a cluster, a ConfigMap mounted into the operator Pod, writable by platform
 * admins only). Parsed once at start; the digest of the file is recorded with every Approval it shaped.
 */
export const AuthorPolicy = z
  .strictObject({
    readFromGit: z
      .boolean()
      .default(true)
      .describe("Read each release's commit range from spec.source.repoURL before opening an Approval."),
    allowedRepositories: z
      .array(z.string().min(1).max(2048))
      .max(200)
      .default([])
      .describe("URL prefixes the operator may fetch from (for example https://github.com/acme/)."),
    credentialsFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A git-credential-store file (https://user:token@host per line), for example a mounted Secret.",
      ),
    oidcPrefix: z
      .string()
      .max(128)
      .default("")
      .describe("Prepended to every mapped user name, as the API server's --oidc-username-prefix does."),
    unmappedAuthors: z
      .enum(["Deny", "Allow"])
      .default("Deny")
      .describe("Deny: an author the mapping does not know blocks the approval. Allow: compared by e-mail."),
    identities: z
      .record(z.string().min(3).max(256), z.string().min(1).max(512))
      .default({})
      .describe("Git author e-mail -> Kubernetes user name (without oidcPrefix)."),
  })
  .superRefine((policy, ctx) => {
    if (policy.readFromGit && policy.allowedRepositories.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["allowedRepositories"],
        message:
          "readFromGit needs at least one allowedRepositories prefix (the operator fetches nothing else)",
      });
    }
  });
export type AuthorPolicy = z.infer<typeof AuthorPolicy>;

/** A loaded policy and the digest of the file it came from, for the audit trail. */
export interface LoadedAuthorPolicy {
  policy: AuthorPolicy;
  /** `sha256:<hex>` of the file's bytes. */
  digest: string;
  /** E-mail (lowercased) -> Kubernetes user name, prefix applied. */
  users: ReadonlyMap<string, string>;
}

/** The file does not parse; the message names the field and the fix. */
export class AuthorPolicyError extends Error {
  override readonly name = "AuthorPolicyError";
}

/** Parses the policy from the file's text. */
export function parseAuthorPolicy(text: string, source: string): LoadedAuthorPolicy {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new AuthorPolicyError(`${source} is not YAML: ${(err as Error).message}`);
  }
  const parsed = AuthorPolicy.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AuthorPolicyError(
      `${source}: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? "is invalid"}`,
    );
  }
  const policy = parsed.data;
  const users = new Map(
    Object.entries(policy.identities).map(([email, user]) => [
      email.toLowerCase(),
      `${policy.oidcPrefix}${user}`,
    ]),
  );
  const digest = `sha256:${createHash("sha256").update(text).digest("hex")}`;
  return { policy, digest, users };
}

/** Reads and parses the policy file named by `--commit-authors-config`. */
export async function loadAuthorPolicy(path: string): Promise<LoadedAuthorPolicy> {
  return parseAuthorPolicy(await readFile(path, "utf8"), path);
}

/**
 * Whether the operator may fetch `repoURL`: an absolute URL without credentials, `..` or `%2e` segments, that
 * starts with one of the allowed prefixes both as written and as normalised (so `acme/../other` cannot leave the
 * prefix).
 */
export function repositoryAllowed(policy: AuthorPolicy, repoURL: string): boolean {
  let url: URL;
  try {
    url = new URL(repoURL);
  } catch {
    return false;
  }
  if (url.username !== "" || url.password !== "" || /(^|\/)\.\.?(\/|$)|%2e/i.test(repoURL)) {
    return false;
  }
  return policy.allowedRepositories.some(
    (prefix) => repoURL.startsWith(prefix) && url.href.startsWith(prefix),
  );
}
