import { createHash } from "node:crypto";

/** The longest label value Kubernetes accepts. */
export const MAX_LABEL_VALUE = 63;

/**
 * An object name as a label value. Names may be up to 253 characters, label values only 63: a longer name keeps
 * its first 54 characters and gets `-` and 8 hex digits of its SHA-256, so the value stays unique, stable, and
 * starts and ends with an alphanumeric character (names do). Names that fit are used as they are, so a selector
 * such as `-l stagegate.io/release=shop-1` keeps working for every ordinary name.
 */
export function labelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_LABEL_VALUE - hash.length - 1)}-${hash}`;
}
