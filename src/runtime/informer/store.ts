import { objectKey, type KubeObject } from "../kube/object.js";

/** A function from an object to the index values it is filed under (for example the names it depends on). */
export type IndexFunction = (obj: KubeObject) => string[];

/**
 * The informer's cache: the latest version of every object by key, plus named secondary indexes kept in step
 * with every write, so "which objects point at X" is a lookup rather than a scan.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly indexers = new Map<string, IndexFunction>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  /** Adds an index; existing objects are filed under it at once. */
  addIndex(name: string, fn: IndexFunction): void {
    if (this.indexers.has(name)) throw new Error(`index ${name} already exists`);
    this.indexers.set(name, fn);
    this.indexes.set(name, new Map());
    for (const [key, obj] of this.objects) this.fileUnder(name, fn, key, obj);
  }

  /** The object stored under a key. */
  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /** Every stored object. */
  list(): KubeObject[] {
    return [...this.objects.values()];
  }

  /** Every stored key. */
  keys(): string[] {
    return [...this.objects.keys()];
  }

  /** The number of stored objects. */
  get size(): number {
    return this.objects.size;
  }

  /** Objects filed under one value of an index. */
  byIndex(name: string, value: string): KubeObject[] {
    const index = this.indexes.get(name);
    if (index === undefined) throw new Error(`index ${name} does not exist`);
    const keys = index.get(value);
    if (keys === undefined) return [];
    return [...keys].flatMap((key) => {
      const obj = this.objects.get(key);
      return obj === undefined ? [] : [obj];
    });
  }

  /** Stores an object (add or update) and returns the version it replaced. */
  upsert(obj: KubeObject): KubeObject | undefined {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.objects.set(key, obj);
    for (const [name, fn] of this.indexers) this.fileUnder(name, fn, key, obj);
    return old;
  }

  /** Removes an object by key and returns it. */
  remove(key: string): KubeObject | undefined {
    const old = this.objects.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.objects.delete(key);
    return old;
  }

  private fileUnder(name: string, fn: IndexFunction, key: string, obj: KubeObject): void {
    const index = this.indexes.get(name);
    if (index === undefined) return;
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (keys === undefined) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      if (index === undefined) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
