import { z } from "zod";
import { DIMENSION_LABELS, DIMENSION_NAMES, type Dimensions } from "../../api/v1alpha1/dimensions.js";
import { InsightInputError } from "./errors.js";

/**
 * A `-l` selector over the dimensions a promotion recorded (ADR 0042), with label-selector meaning: `key=value`
 * (or `==`), `key!=value`, `key` (present), `!key` (absent), joined by commas; `tag=NAME` asks for a free tag.
 * Local to the failure patterns until the shared `src/insights/selector.ts` lands (then merged into it).
 */
export interface Requirement {
  key: SelectorKey;
  op: "=" | "!=" | "exists" | "!exists";
  value?: string;
}

/** The keys a selector may name: the well-known dimensions, and `tag`. */
export type SelectorKey = (typeof DIMENSION_NAMES)[number] | "tag";

/** A parsed selector: every requirement must hold. */
export type Selector = readonly Requirement[];

/** Every key a selector accepts, as the error lists them. */
export const SELECTOR_KEYS: readonly string[] = [...DIMENSION_NAMES, "tag"];

/** The label keys (stagegate.io/team, ...) accepted as aliases of the dimension names. */
const ALIASES: ReadonlyMap<string, SelectorKey> = new Map([
  ...DIMENSION_NAMES.map((name) => [DIMENSION_LABELS[name], name] as const),
  ...DIMENSION_NAMES.map((name) => [name, name] as const),
  ["tag", "tag"],
]);

const REQUIREMENT = /^(!?)([A-Za-z0-9./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*))?$/;

/**
 * Parses a `-l` selector, throwing an InsightInputError that names every unknown key and lists the allowed ones,
 * or names the requirement that does not parse.
 */
export function parseSelector(text: string): Selector {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const unknown: string[] = [];
  const requirements: Requirement[] = [];
  for (const part of parts) {
    const match = REQUIREMENT.exec(part);
    if (match === null || (match[1] === "!" && match[3] !== undefined)) {
      throw new InsightInputError(
        `-l: "${part}" is not a requirement; write key=value, key!=value, key or !key, joined by commas ` +
          "(e.g. -l team=payments,region!=eu-west).",
      );
    }
    const key = ALIASES.get(match[2] ?? "");
    if (key === undefined) {
      unknown.push(match[2] ?? "");
      continue;
    }
    const op = match[3];
    if (op === undefined) requirements.push({ key, op: match[1] === "!" ? "!exists" : "exists" });
    else requirements.push({ key, op: op === "!=" ? "!=" : "=", value: match[4] ?? "" });
  }
  if (unknown.length > 0) {
    throw new InsightInputError(
      `-l: unknown ${unknown.length === 1 ? "key" : "keys"} ${unknown.map((k) => `"${k}"`).join(", ")}; ` +
        `a selector may name ${SELECTOR_KEYS.join(", ")}.`,
    );
  }
  return requirements;
}

/** The values a promotion has for a key (a dimension's one value, or its tags). */
function valuesOf(dimensions: Dimensions, key: SelectorKey): string[] {
  if (key === "tag") return dimensions.tags ?? [];
  const value = dimensions[key];
  return value === undefined ? [] : [value];
}

/**
 * Whether recorded dimensions satisfy a selector. A promotion that recorded none (an older entry) has every key
 * absent: it matches `!=` and `!key`, and nothing that requires a label.
 */
export function matchesSelector(selector: Selector, dimensions: Dimensions | undefined): boolean {
  const dims = dimensions ?? {};
  return selector.every((r) => {
    const values = valuesOf(dims, r.key);
    switch (r.op) {
      case "exists":
        return values.length > 0;
      case "!exists":
        return values.length === 0;
      case "=":
        return values.includes(r.value ?? "");
      case "!=":
        return !values.includes(r.value ?? "");
    }
  });
}

const Name = z.string().max(253);

/** The shape of `details.dimensions` on a ReleasePromoted entry (ADR 0042); anything else reads as absent. */
export const RecordedDimensions = z.object({
  team: Name.optional(),
  service: Name.optional(),
  region: Name.optional(),
  tenant: Name.optional(),
  customerImpact: Name.optional(),
  tags: z.array(Name).max(64).optional(),
});

/** The dimensions a promotion entry recorded, or undefined (older entries, or a field of another shape). */
export function recordedDimensions(details: Readonly<Record<string, unknown>>): Dimensions | undefined {
  const parsed = RecordedDimensions.safeParse(details.dimensions);
  if (!parsed.success) return undefined;
  const out: Dimensions = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
