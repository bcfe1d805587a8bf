import { DIMENSION_LABELS, DIMENSION_NAMES, TAG_LABEL_PREFIX } from "../api/v1alpha1/dimensions.js";

/** A filter the dashboard refuses, with a sentence naming what was wrong and what to write instead (HTTP 400). */
export class BadFilterError extends Error {
  override readonly name = "BadFilterError";
}

/** One requirement of a label selector, on a dimension label key. */
export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const TAG = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The label key a filter names: a dimension by its label (`stagegate.io/team`) or short name (`team`), or a tag. */
function dimensionKey(raw: string): string {
  const key = raw.trim();
  const short = DIMENSION_NAMES.find((name) => name === key);
  if (short !== undefined) return DIMENSION_LABELS[short];
  if ((Object.values(DIMENSION_LABELS) as string[]).includes(key)) return key;
  if (key.startsWith(TAG_LABEL_PREFIX) && TAG.test(key.slice(TAG_LABEL_PREFIX.length))) return key;
  throw new BadFilterError(
    `"${key}" is not a label the dashboard filters by; use one of ${Object.values(DIMENSION_LABELS).join(", ")} ` +
      `(or team, service, region, tenant, customerImpact) or a tag ${TAG_LABEL_PREFIX}<tag>.`,
  );
}

function checkedValue(key: string, raw: string): string {
  const value = raw.trim();
  if (!VALUE.test(value)) {
    throw new BadFilterError(
      `"${value}" is not a label value for ${key}; write letters, digits, "-", "_" and "." (at most 63).`,
    );
  }
  return value;
}

/** Splits on commas outside parentheses, as kubectl reads `-l`. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth += 1;
    if (ch === ")") depth -= 1;
    if (depth < 0)
      throw new BadFilterError(`the selector "${selector}" closes a parenthesis it never opened.`);
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (depth !== 0) throw new BadFilterError(`the selector "${selector}" leaves a parenthesis open.`);
  parts.push(current);
  return parts;
}

const SET = /^\s*([^\s!=()]+)\s+(in|notin)\s+\(([^()]*)\)\s*$/;
const EQUALITY = /^\s*([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$/;
const EXISTS = /^\s*(!?)\s*([^\s!=(),]+)\s*$/;

function parseRequirement(text: string): Requirement {
  const set = SET.exec(text);
  if (set !== null) {
    const key = dimensionKey(set[1] ?? "");
    const values = (set[3] ?? "").split(",").map((v) => checkedValue(key, v));
    return { key, op: set[2] === "in" ? "in" : "notin", values };
  }
  const equality = EQUALITY.exec(text);
  if (equality !== null) {
    const key = dimensionKey(equality[1] ?? "");
    return { key, op: equality[2] === "!=" ? "!=" : "=", value: checkedValue(key, equality[3] ?? "") };
  }
  const exists = EXISTS.exec(text);
  if (exists !== null)
    return { key: dimensionKey(exists[2] ?? ""), op: exists[1] === "!" ? "!exists" : "exists" };
  throw new BadFilterError(
    `"${text.trim()}" is not a label selector requirement; write key=value, key!=value, key in (a,b), ` +
      "key notin (a,b), key or !key, separated by commas (as kubectl -l).",
  );
}

/**
 * Parses a `-l`-style label selector limited to the delivery dimensions (src/api/v1alpha1/dimensions.ts): each
 * requirement's key must be a dimension label, its short name, or a tag. Empty input is no filter. Throws a
 * {@link BadFilterError} naming the first requirement that does not fit.
 */
export function parseDimensionSelector(selector: string): Requirement[] {
  if (selector.trim() === "") return [];
  if (selector.length > 1024) throw new BadFilterError("the selector is longer than 1024 characters.");
  return splitRequirements(selector).map(parseRequirement);
}

/** The requirements as the API server's `labelSelector` query parameter reads them (empty: no filter). */
export function formatSelector(requirements: readonly Requirement[]): string {
  return requirements
    .map((r) => {
      switch (r.op) {
        case "=":
        case "!=":
          return `${r.key}${r.op}${r.value}`;
        case "in":
        case "notin":
          return `${r.key} ${r.op} (${r.values.join(",")})`;
        case "exists":
          return r.key;
        case "!exists":
          return `!${r.key}`;
      }
    })
    .join(",");
}

/** Whether labels satisfy every requirement, as the API server judges a label selector (for watch events). */
export function matchesSelector(
  requirements: readonly Requirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return requirements.every((r) => {
    const value = labels?.[r.key];
    switch (r.op) {
      case "=":
        return value === r.value;
      case "!=":
        return value !== r.value;
      case "in":
        return value !== undefined && r.values.includes(value);
      case "notin":
        return value === undefined || !r.values.includes(value);
      case "exists":
        return value !== undefined;
      case "!exists":
        return value === undefined;
    }
  });
}
