/**
 * Bounds an audit entry's `details` before it is sealed, so no caller (and no outside input such as an alert's
 * labels or a denied request's comment) can fill the audit volume with one entry. Strings longer than
 * `maxString` characters keep their start and gain a marker saying how much was cut; lists longer than
 * `maxItems` keep their first items and end with a marker; nesting deeper than `maxDepth` is replaced by a
 * marker. If the result is still larger than `maxBytes` of JSON, the details are replaced by a marker object
 * that says so and keeps the first part of the JSON. Pure; the input is not changed.
 */
export interface DetailsBounds {
  maxString: number;
  maxItems: number;
  maxKeys: number;
  maxDepth: number;
  maxBytes: number;
}

/** The bounds the audit trail applies: far above any real entry, far below the 1 MiB a line may hold. */
export const AUDIT_DETAILS_BOUNDS: DetailsBounds = {
  maxString: 4096,
  maxItems: 100,
  maxKeys: 200,
  maxDepth: 8,
  maxBytes: 64 * 1024,
};

/** The marker a cut string ends with: `…[truncated 1234 characters]`. */
export function truncationMarker(cut: number, unit = "characters"): string {
  return `…[truncated ${cut} ${unit}]`;
}

/** `details` within `bounds`, with a marker wherever something was cut. */
export function boundAuditDetails(
  details: Record<string, unknown>,
  bounds: DetailsBounds = AUDIT_DETAILS_BOUNDS,
): Record<string, unknown> {
  const bounded = boundValue(details, bounds, 0) as Record<string, unknown>;
  const json = JSON.stringify(bounded);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes <= bounds.maxBytes) return bounded;
  return {
    truncated: `the details were ${bytes} bytes of JSON, more than the ${bounds.maxBytes} an entry keeps`,
    start: cutString(json, Math.min(bounds.maxString, bounds.maxBytes / 2)),
  };
}

function boundValue(value: unknown, bounds: DetailsBounds, depth: number): unknown {
  if (typeof value === "string") return cutString(value, bounds.maxString);
  if (value === null || typeof value !== "object") return value;
  if (depth >= bounds.maxDepth) return truncationMarker(1, "nested value");
  if (Array.isArray(value)) {
    const kept = value.slice(0, bounds.maxItems).map((item) => boundValue(item, bounds, depth + 1));
    return value.length > bounds.maxItems
      ? [...kept, truncationMarker(value.length - bounds.maxItems, "items")]
      : kept;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, bounds.maxKeys)) {
    out[cutString(key, 256)] = boundValue(item, bounds, depth + 1);
  }
  if (entries.length > bounds.maxKeys) {
    out["…truncated"] = truncationMarker(entries.length - bounds.maxKeys, "keys");
  }
  return out;
}

function cutString(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}${truncationMarker(text.length - max)}`;
}
