import semver from "semver";
import { parse } from "yaml";
import { z } from "zod";

/** A chart repository's index cannot be read, or names no version that fits; the message says which and why. */
export class ChartIndexError extends Error {
  override readonly name = "ChartIndexError";
}

/** The parts of a chart repository's `index.yaml` (Helm's repo index, apiVersion v1) the operator reads. */
const IndexDocument = z.looseObject({
  apiVersion: z.literal("v1"),
  entries: z.record(z.string(), z.unknown()).nullish(),
});

/** One version of a chart as the index lists it. */
const ChartVersionEntry = z.looseObject({
  name: z.unknown().optional(),
  // A version YAML reads as a number (1.0) is no semver version; it stays in the list and is never selected.
  version: z.union([z.string().min(1).max(128), z.number()]).transform(String),
  digest: z.unknown().optional(),
});
type ChartVersionEntry = z.infer<typeof ChartVersionEntry>;

/** The versions a parsed index lists per chart name, each entry still to be checked when it is read. */
export interface ChartIndex {
  entries: Readonly<Record<string, unknown>>;
}

/** The version a range resolved to in an index, and the digest the index gives for its archive. */
export interface ChartVersionChoice {
  version: string;
  digest?: string | undefined;
}

/**
 * Parses the text of a chart repository's `index.yaml`. Fails with a {@link ChartIndexError} naming what is wrong
 * when it is not YAML or not a Helm repository index (apiVersion v1 with entries). YAML aliases are bounded, so
 * a hostile index cannot expand itself without limit.
 */
export function parseChartIndex(text: string, source: string): ChartIndex {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    // The parser's first line says what and where; the lines after it quote the index.
    throw new ChartIndexError(`${source} is not YAML: ${(err as Error).message.split("\n")[0] ?? ""}`);
  }
  const parsed = IndexDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ChartIndexError(
      `${source} is not a Helm chart repository index (${issue?.path.join(".") || "(root)"}: ` +
        `${issue?.message ?? "invalid"})`,
    );
  }
  return { entries: parsed.data.entries ?? {} };
}

/** The versions the index lists for `chart`; fails naming the chart when it has none or its entry is malformed. */
function versionsOf(index: ChartIndex, chart: string, source: string): ChartVersionEntry[] {
  const listed = Object.hasOwn(index.entries, chart) ? index.entries[chart] : undefined;
  if (listed === undefined || listed === null) {
    throw new ChartIndexError(`${source} has no chart named ${chart}`);
  }
  const parsed = z.array(ChartVersionEntry).safeParse(listed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ChartIndexError(
      `${source} lists chart ${chart} malformed (entries.${chart}.${issue?.path.join(".") ?? ""}: ` +
        `${issue?.message ?? "invalid"})`,
    );
  }
  return parsed.data.filter((e) => e.name === undefined || e.name === chart);
}

/**
 * The highest version of `chart` in the index that satisfies the semver `range`, with its digest. Prereleases are
 * left out unless the range itself names a prerelease of the same version (semver's rule). Fails with a
 * {@link ChartIndexError} when the range is not a semver range or no version satisfies it. Pure.
 */
export function selectChartVersion(
  index: ChartIndex,
  chart: string,
  range: string,
  source: string,
): ChartVersionChoice {
  if (semver.validRange(range) === null) throw new ChartIndexError(`"${range}" is not a semver range`);
  const entries = versionsOf(index, chart, source);
  const version = semver.maxSatisfying(
    entries.map((e) => e.version),
    range,
  );
  if (version === null) {
    const listed = entries
      .map((e) => e.version)
      .filter((v) => semver.valid(v) !== null)
      .sort(semver.rcompare)
      .slice(0, 5);
    throw new ChartIndexError(
      `no version of chart ${chart} in ${source} satisfies "${range}" (newest listed: ` +
        `${listed.length === 0 ? "none" : listed.join(", ")})`,
    );
  }
  // Recorded only when it reads as a digest: the index is the repository's word, and it is printed in status.
  const digest = entries.find((e) => e.version === version)?.digest;
  const printable = typeof digest === "string" && /^[0-9A-Za-z:+._-]{1,256}$/.test(digest);
  return { version, ...(printable ? { digest } : {}) };
}
