/**
 * Revisions as the GitOps tools report them. Flux writes `<ref>@<algo>:<digest>` (`main@sha1:4f2c...`,
 * `v1.2.0@sha256:...`), older Flux wrote `<ref>/<sha>`, Argo CD writes the bare commit SHA; a release names a
 * commit by its full or abbreviated SHA. Comparing by the digest part makes all of them comparable.
 */

const SHORTEST_ABBREVIATION = 7;
const HEX = /^[0-9a-f]+$/;

/** The digest part of a revision (`main@sha1:ABC` -> `abc`), or the revision itself when it has none. */
export function revisionDigest(revision: string): string {
  let rest = revision.trim();
  const at = rest.lastIndexOf("@");
  if (at >= 0) rest = rest.slice(at + 1);
  const colon = rest.indexOf(":");
  if (colon >= 0 && /^sha(1|256)$/i.test(rest.slice(0, colon))) rest = rest.slice(colon + 1);
  const slash = rest.lastIndexOf("/");
  if (slash >= 0 && HEX.test(rest.slice(slash + 1).toLowerCase())) rest = rest.slice(slash + 1);
  return HEX.test(rest.toLowerCase()) ? rest.toLowerCase() : rest;
}

/**
 * True when two revisions name the same commit or version: equal digests, or one a Git abbreviation (at least
 * seven hex digits) of the other. Non-hex revisions (tags, chart versions) must match exactly.
 */
export function revisionsMatch(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.trim() === "" || b.trim() === "") return false;
  const x = revisionDigest(a);
  const y = revisionDigest(b);
  if (x === y) return true;
  if (!HEX.test(x) || !HEX.test(y)) return false;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.length >= SHORTEST_ABBREVIATION && long.startsWith(short);
}
