import {
  DIMENSION_LABELS,
  DIMENSION_NAMES,
  TAG_LABEL_PREFIX,
  dimensionLabels,
  type DimensionName,
  type Dimensions,
} from "../api/v1alpha1/dimensions.js";

/** One requirement of a label selector, as kubectl's `-l` writes them. */
export type Requirement =
  { key: string; op: "in" | "notin"; values: string[] } | { key: string; op: "exists" | "!exists" };

/** A selector over recorded dimensions: every requirement must hold. Empty selects everything. */
export interface DimensionSelector {
  readonly text: string;
  readonly requirements: readonly Requirement[];
}

/** A selector that cannot be read, or names a label that is not a dimension: the message says which and why. */
export class SelectorError extends Error {
  override readonly name = "SelectorError";
}

const SHORT_NAMES: Record<string, DimensionName> = {
  team: "team",
  service: "service",
  region: "region",
  tenant: "tenant",
  "customer-impact": "customerImpact",
  customerImpact: "customerImpact",
};

const ALLOWED = [...DIMENSION_NAMES.map((n) => DIMENSION_LABELS[n]), `${TAG_LABEL_PREFIX}<tag>`].join(", ");

/** The label key a selector key names: a dimension label, its short name (team, region, ...), or a tag label. */
function labelKey(key: string): string {
  const short = SHORT_NAMES[key];
  if (short !== undefined) return DIMENSION_LABELS[short];
  if ((Object.values(DIMENSION_LABELS) as string[]).includes(key)) return key;
  if (key.startsWith(TAG_LABEL_PREFIX) && key.length > TAG_LABEL_PREFIX.length) return key;
  throw new SelectorError(
    `"${key}" is not a dimension label; select by ${ALLOWED} (or the short names team, service, region, tenant, customer-impact, and tag=NAME).`,
  );
}

// Commas inside "in (a,b)" do not split requirements.
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth += 1;
    if (ch === ")") depth -= 1;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function parseRequirement(part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(part);
  if (set !== null) {
    const values = (set[3] ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    return { key: labelKey(set[1] ?? ""), op: set[2] === "in" ? "in" : "notin", values };
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (equality?.[1] === "tag") {
    // tag=NAME asks for the free tag NAME (the label tags.stagegate.io/NAME), tag!=NAME for its absence.
    const key = labelKey(`${TAG_LABEL_PREFIX}${equality[3] ?? ""}`);
    return { key, op: equality[2] === "!=" ? "!exists" : "exists" };
  }
  if (equality !== null) {
    const op = equality[2] === "!=" ? "notin" : "in";
    return { key: labelKey(equality[1] ?? ""), op, values: [equality[3] ?? ""] };
  }
  const absent = /^!\s*(\S+)$/.exec(part);
  if (absent !== null) return { key: labelKey(absent[1] ?? ""), op: "!exists" };
  if (/^\S+$/.test(part)) return { key: labelKey(part), op: "exists" };
  throw new SelectorError(
    `cannot read "${part}" as a selector requirement; write key=value, key!=value, key in (a,b), key notin (a,b), key or !key.`,
  );
}

/** Parses a kubectl-style label selector over the dimension labels; throws {@link SelectorError} naming the fault. */
export function parseSelector(text: string | undefined): DimensionSelector {
  if (text === undefined || text.trim() === "") return { text: "", requirements: [] };
  return { text, requirements: splitRequirements(text).map(parseRequirement) };
}

/** Whether recorded dimensions (absent: an entry written before dimensions were recorded) match the selector. */
export function selects(selector: DimensionSelector, dimensions: Dimensions | undefined): boolean {
  const labels = dimensionLabels(dimensions ?? {});
  return selector.requirements.every((r) => {
    const value = labels[r.key];
    switch (r.op) {
      case "exists":
        return value !== undefined;
      case "!exists":
        return value === undefined;
      case "in":
        return value !== undefined && r.values.includes(value);
      case "notin":
        return value === undefined || !r.values.includes(value);
    }
  });
}
