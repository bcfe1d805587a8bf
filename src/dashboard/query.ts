import { BadFilterError, formatSelector, parseDimensionSelector, type Requirement } from "./selector.js";

/** What a page is asked to show: the namespaces named (none: every namespace the user may list) and the selector. */
export interface PageFilter {
  namespaces: string[];
  /** The API server's labelSelector, normalised; empty for none. */
  selector: string;
  /** The same selector parsed, to judge watch events. */
  requirements: Requirement[];
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Reads a page's query: only `namespace` (repeated or comma-separated) and `selector` are known; any other
 * parameter, a malformed namespace or a bad selector is a {@link BadFilterError} naming it (answered with 400).
 */
export function parsePageFilter(query: URLSearchParams): PageFilter {
  const unknown = [...new Set([...query.keys()].filter((key) => key !== "namespace" && key !== "selector"))];
  if (unknown.length > 0) {
    throw new BadFilterError(
      `unknown query parameter${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => `"${k}"`).join(", ")}; ` +
        "this page takes namespace and selector.",
    );
  }
  const namespaces = query
    .getAll("namespace")
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
  for (const namespace of namespaces) {
    if (!NAMESPACE.test(namespace)) {
      throw new BadFilterError(
        `"${namespace}" is not a namespace name; write lower-case letters, digits and "-".`,
      );
    }
  }
  const selectors = query.getAll("selector");
  if (selectors.length > 1) throw new BadFilterError("give selector once; join requirements with commas.");
  const requirements = parseDimensionSelector(selectors[0] ?? "");
  return {
    namespaces: [...new Set(namespaces)].sort(),
    selector: formatSelector(requirements),
    requirements,
  };
}

/** The query string that asks for `filter` again (for links and the live-update stream). */
export function filterQuery(filter: PageFilter): string {
  const query = new URLSearchParams();
  if (filter.namespaces.length > 0) query.set("namespace", filter.namespaces.join(","));
  if (filter.selector !== "") query.set("selector", filter.selector);
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}
