import { createHash } from "node:crypto";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** JSON with object keys sorted recursively, so equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The first 12 hex digits of the SHA-256 of a value's canonical JSON: a short name for a schema. */
export function digestOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 12);
}

/** Keeps only `keys` of an object, dropping those that are absent. */
function pick(value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) return {};
  return Object.fromEntries(keys.flatMap((key) => (value[key] === undefined ? [] : [[key, value[key]]])));
}

const byName = (items: unknown): Record<string, unknown>[] =>
  (Array.isArray(items) ? items.filter(isObject) : []).sort((a, b) =>
    String(a.name).localeCompare(String(b.name)),
  );

/**
 * The part of a CRD's spec that decides what the API server accepts and shows: group, scope, names, and per
 * version whether it is served and stored, its schema (CEL rules included), subresources and printer columns.
 * Defaults the API server adds on its own (listKind, conversion) are left out, so a CRD applied from this
 * build's crds/ has the same contract as the one this build generates.
 */
export function crdContract(crd: unknown): Record<string, unknown> {
  const spec = isObject(crd) && isObject(crd.spec) ? crd.spec : {};
  return {
    ...pick(spec, ["group", "scope"]),
    names: pick(spec.names, ["kind", "plural", "singular", "shortNames", "categories"]),
    versions: byName(spec.versions).map((version) => ({
      ...pick(version, ["name", "served", "storage", "deprecated", "deprecationWarning", "subresources"]),
      schema: isObject(version.schema) ? version.schema.openAPIV3Schema : undefined,
      additionalPrinterColumns: (Array.isArray(version.additionalPrinterColumns)
        ? version.additionalPrinterColumns
        : []
      ).map((column) => pick(column, ["name", "type", "format", "jsonPath", "description", "priority"])),
    })),
  };
}

const short = (value: unknown): string => {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** A path step for an array element: `[name]` for named items (versions, columns), else `[index]`. */
function step(items: readonly unknown[], index: number): string {
  const item = items[index];
  return isObject(item) && typeof item.name === "string" ? `[${item.name}]` : `[${index}]`;
}

/**
 * Where `served` first differs from `expected`, as a sentence naming the path (`versions[v1alpha1].schema
 * .properties.spec.properties.gate`), or undefined when they are equal. Pure; walks keys in sorted order.
 */
export function firstDifference(expected: unknown, served: unknown, path = ""): string | undefined {
  const at = path === "" ? "the top" : path;
  if (Array.isArray(expected) && Array.isArray(served)) {
    for (let i = 0; i < Math.max(expected.length, served.length); i += 1) {
      if (i >= served.length) return `${path}${step(expected, i)} is missing in the served CRD`;
      if (i >= expected.length) return `${path}${step(served, i)} is not in this build's CRD`;
      const found = firstDifference(expected[i], served[i], `${path}${step(expected, i)}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isObject(expected) && isObject(served)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(served)])].sort();
    for (const key of keys) {
      const child = path === "" ? key : `${path}.${key}`;
      if (!(key in served)) return `${child} is missing in the served CRD`;
      if (!(key in expected)) return `${child} is in the served CRD but not in this build's`;
      const found = firstDifference(expected[key], served[key], child);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (canonicalJson(expected) === canonicalJson(served)) return undefined;
  return `${at} is ${short(served)} in the served CRD, ${short(expected)} in this build's`;
}
