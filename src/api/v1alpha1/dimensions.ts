/**
 * Delivery dimensions: the well-known labels that say whose a release is and what it touches (team, service,
 * region, tenant, customer impact) plus free tags, for trend analysis and filters (`-l`), never for a gate. They
 * are labels a user writes, so nothing that opens a gate, silences a detection or goes on the record as a fact may
 * depend on them (DESIGN.md, "Trust model"); the insights record the values the operator saw when it recorded a
 * promotion, so relabelling later does not rewrite history (ADR 0042).
 */

/** The label key of each well-known dimension. */
export const DIMENSION_LABELS = {
  team: "stagegate.io/team",
  service: "stagegate.io/service",
  region: "stagegate.io/region",
  tenant: "stagegate.io/tenant",
  customerImpact: "stagegate.io/customer-impact",
} as const;

/** A well-known dimension's name, as filters, exports and metric labels spell it. */
export type DimensionName = keyof typeof DIMENSION_LABELS;

/** The dimension names in the order output lists them. */
export const DIMENSION_NAMES = Object.keys(DIMENSION_LABELS) as DimensionName[];

/** A free tag is a label `tags.stagegate.io/<tag>` with the value "true". */
export const TAG_LABEL_PREFIX = "tags.stagegate.io/";

/** The values `stagegate.io/customer-impact` may take, from none to high. */
export const CUSTOMER_IMPACT_VALUES = ["none", "low", "medium", "high"] as const;

/** At most this many free tags per object, so a filter or an export stays bounded. */
export const MAX_TAGS = 16;

/** The dimensions of one object, as read from its labels: the well-known ones present, and its tags, sorted. */
export interface Dimensions {
  team?: string;
  service?: string;
  region?: string;
  tenant?: string;
  customerImpact?: string;
  tags?: string[];
}

/** One problem with an object's dimension labels: the field path, and a sentence saying what to write instead. */
export interface DimensionProblem {
  field: string;
  message: string;
}

// A DNS-1123 label: what team, service, region and tenant values must be, so they read the same in every filter.
const NAME_VALUE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The dimensions an object's labels carry (labels of other prefixes are ignored). */
export function dimensionsOf(labels: Readonly<Record<string, string>> | undefined): Dimensions {
  const found: Dimensions = {};
  if (labels === undefined) return found;
  for (const name of DIMENSION_NAMES) {
    const value = labels[DIMENSION_LABELS[name]];
    if (value !== undefined && value !== "") found[name] = value;
  }
  const tags = Object.keys(labels)
    .filter((key) => key.startsWith(TAG_LABEL_PREFIX) && labels[key] === "true")
    .map((key) => key.slice(TAG_LABEL_PREFIX.length))
    .sort();
  if (tags.length > 0) found.tags = tags;
  return found;
}

/** The labels that carry `dimensions`: what the operator copies onto the children it opens for a release. */
export function dimensionLabels(dimensions: Dimensions): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of DIMENSION_NAMES) {
    const value = dimensions[name];
    if (value !== undefined) labels[DIMENSION_LABELS[name]] = value;
  }
  for (const tag of dimensions.tags ?? []) labels[`${TAG_LABEL_PREFIX}${tag}`] = "true";
  return labels;
}

const labelPath = (key: string): string => `metadata.labels["${key}"]`;

/**
 * What is wrong with an object's dimension labels, each with its field path and the fix: team, service, region and
 * tenant are DNS labels, customer impact is one of {@link CUSTOMER_IMPACT_VALUES}, a tag's value is "true", and an
 * object carries at most {@link MAX_TAGS} tags. Empty when they are fine (or absent: every dimension is optional).
 */
export function dimensionProblems(labels: Readonly<Record<string, string>> | undefined): DimensionProblem[] {
  const problems: DimensionProblem[] = [];
  if (labels === undefined) return problems;
  for (const name of DIMENSION_NAMES) {
    const key = DIMENSION_LABELS[name];
    const value = labels[key];
    if (value === undefined) continue;
    if (name === "customerImpact") {
      if (!(CUSTOMER_IMPACT_VALUES as readonly string[]).includes(value)) {
        problems.push({
          field: labelPath(key),
          message: `"${value}" is not a customer impact; write one of ${CUSTOMER_IMPACT_VALUES.join(", ")}.`,
        });
      }
    } else if (!NAME_VALUE.test(value)) {
      problems.push({
        field: labelPath(key),
        message: `"${value}" is not a ${name} name; write lower-case letters, digits and "-" (for example payments).`,
      });
    }
  }
  const tagKeys = Object.keys(labels).filter((key) => key.startsWith(TAG_LABEL_PREFIX));
  for (const key of tagKeys) {
    if (labels[key] !== "true") {
      problems.push({
        field: labelPath(key),
        message: `a tag's value is "true", not "${labels[key] ?? ""}"; remove the label to drop the tag.`,
      });
    }
  }
  if (tagKeys.length > MAX_TAGS) {
    problems.push({
      field: "metadata.labels",
      message: `${tagKeys.length} tags (${TAG_LABEL_PREFIX}*) are more than the ${MAX_TAGS} allowed; keep the ones you filter by.`,
    });
  }
  return problems;
}

/**
 * The well-formed dimension labels of a parent, for the children the operator opens for it: a label the policy
 * would refuse (set before the policy was installed) is left out rather than failing the child's creation, and at
 * most {@link MAX_TAGS} tags (the first in order) are carried.
 */
export function inheritedDimensionLabels(
  labels: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const faulty = new Set(dimensionProblems(labels).map((problem) => problem.field));
  const kept = Object.fromEntries(
    Object.entries(labels ?? {}).filter(([key]) => !faulty.has(labelPath(key))),
  );
  const dimensions = dimensionsOf(kept);
  if (dimensions.tags !== undefined) dimensions.tags = dimensions.tags.slice(0, MAX_TAGS);
  return dimensionLabels(dimensions);
}
