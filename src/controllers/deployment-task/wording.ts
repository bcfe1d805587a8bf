/**
 * Small helpers that turn lists of names into the sentences conditions carry, so every message of a controller
 * reads the same way ("tasks scan, uat"; "Waiting for task scan to succeed; task drift does not exist.").
 */

/** "task scan" for one name, "tasks scan, uat" for several, in the order given. */
export function nameList(singular: string, plural: string, names: readonly string[]): string {
  return `${names.length === 1 ? singular : plural} ${names.join(", ")}`;
}

/** Picks the verb form for a list: `one` when it names a single thing, `many` otherwise. */
export function agree(names: readonly string[], one: string, many: string): string {
  return names.length === 1 ? one : many;
}

/** Joins clauses into one sentence: the first letter capitalised, clauses separated by "; ", a final period. */
export function sentence(clauses: readonly string[]): string {
  const text = clauses.filter((clause) => clause.length > 0).join("; ");
  return text.length === 0 ? "" : `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
