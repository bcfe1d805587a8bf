/**
 * Strings longer than this are left as they are: long texts (a change's justification, a last-applied copy) are
 * seldom repeated, and hashing them would cost more than sharing saves.
 */
export const MAX_SHARED_STRING_LENGTH = 256;

/**
 * The one empty list the caches hold for every empty list of every cached object (ADR 0058): frozen, so no reader
 * can add to it (a cached object is never written to in place; one that tried would now throw, not change the cache).
 */
export const SHARED_EMPTY_LIST: readonly unknown[] = Object.freeze([]);

/**
 * Makes every string value of `value` (up to {@link MAX_SHARED_STRING_LENGTH} characters, at any depth, keys
 * excepted) the one copy V8 keeps in its string table, and every empty list {@link SHARED_EMPTY_LIST}, in place, and
 * returns `value`. An empty list costs 32 bytes of its own; a cached Release, task and change hold seven of them
 * (commits, digests, work items, dependencies, hand-overs, log), as many as their revision strings cost.
 *
 * Why: JSON.parse gives each object its own copy of every string, and a cached Release, its children and its delivery
 * objects repeat the same revisions, uids, names, timestamps and condition messages many times over (ADR 0051).
 * Equal strings are indistinguishable in JavaScript (compared, hashed and used by value), so replacing one by another
 * changes no value anything can read: the object deep-equals what it was. V8's string table holds its strings weakly,
 * so a string no object uses any more is collected as before: nothing to bound or evict. Frozen objects and
 * arrays are walked into but not written to.
 */
export function shareStrings<T>(value: T): T {
  if (typeof value === "object" && value !== null) shareIn(value);
  return value;
}

function shareIn(container: object): void {
  const writable = !Object.isFrozen(container);
  if (Array.isArray(container)) {
    const list = container as unknown[];
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (typeof item === "string") {
        if (writable && item.length <= MAX_SHARED_STRING_LENGTH) list[i] = internalized(item);
      } else if (isEmptyList(item)) {
        if (writable) list[i] = SHARED_EMPTY_LIST;
      } else if (typeof item === "object" && item !== null) shareIn(item);
    }
    return;
  }
  const record = container as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === "string") {
      if (writable && item.length <= MAX_SHARED_STRING_LENGTH) record[key] = internalized(item);
    } else if (isEmptyList(item)) {
      if (writable) record[key] = SHARED_EMPTY_LIST;
    } else if (typeof item === "object" && item !== null) shareIn(item);
  }
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0 && (value as unknown) !== SHARED_EMPTY_LIST;
}

/**
 * An object without a prototype, which V8 keeps in dictionary mode: adding and deleting one property at a time costs
 * no hidden class, unlike an object literal with a computed key (about three times slower, measured).
 */
const names: Record<string, number> = Object.create(null) as Record<string, number>;

/**
 * The string table's copy of `text`: V8 internalizes every property name, so the name `text` is stored under is that
 * copy (the first time, `text` itself becomes it).
 */
function internalized(text: string): string {
  names[text] = 0;
  let copy = text;
  for (const name in names) copy = name;
  delete names[text];
  return copy;
}
