// Where a cached kind's heap goes, field group by field group: `tsx hack/bench/memory-fields.ts LIST.json...`, each
// file a `kubectl get <kind> -o json` list (for example of `make bench-memory`'s namespace while it waits at the prod
// gate). For each kind it caches the listed objects as the shared informers do (`cacheTrimming`, ADR 0034 and 0051),
// `--copies` times with their names and uids made unique per copy, and prints the heap per object after GC, then what
// leaving out each top-level field of metadata, spec and status saves. See docs/benchmarks.md, "Memory".
import { readFileSync } from "node:fs";
import { cacheTrimming, cachedKinds, type Informers } from "../../src/controllers/informers.js";
import { checkedKubeObject, type KubeObject } from "../../src/runtime/kube/object.js";
import { heapAfterGc } from "./memory-probes.js";
import { textTable } from "./stats.js";

interface Options {
  files: string[];
  copies: number;
  /** Only the heap per whole object, not field by field. */
  whole: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { files: [], copies: 20, whole: false };
  for (const arg of argv) {
    if (arg === "--whole") {
      options.whole = true;
      continue;
    }
    const copies = /^--copies=(\d+)$/.exec(arg);
    if (copies?.[1] !== undefined && Number(copies[1]) > 0) options.copies = Number(copies[1]);
    else if (arg.startsWith("--")) {
      throw new Error(
        `unknown option ${arg}; usage: memory-fields.ts [--copies=N (20)] [--whole] LIST.json...`,
      );
    } else options.files.push(arg);
  }
  if (options.files.length === 0)
    throw new Error("usage: memory-fields.ts [--copies=N (20)] [--whole] LIST.json...");
  return options;
}

/** The informer that caches each kind, for its trimming. */
const INFORMER_OF: Record<string, keyof Informers> = {
  Release: "releases",
  ChangeRequest: "changeRequests",
  DeploymentTask: "deploymentTasks",
  Approval: "approvals",
  Application: "argoCDApplications",
  Kustomization: "fluxKustomizations",
  HelmRelease: "fluxHelmReleases",
  Environment: "environments",
};

/**
 * The objects' JSON, `copies` times: in each copy every uid and every name of the list (with what follows it inside a
 * longer string, such as a message naming it) gets the copy's own suffix, so a copy repeats only what the originals
 * share, as a larger world would.
 */
function copiesOf(items: readonly KubeObject[], copies: number): string[] {
  const texts = items.map((item) => JSON.stringify(item));
  const out: string[] = [];
  for (let c = 0; c < copies; c++) {
    for (const text of texts) {
      out.push(
        text
          .replace(
            /([0-9a-f]{8})-([0-9a-f]{4})-/g,
            (_m, a: string, b: string) => `${a}-${b.slice(0, 2)}${c % 100}-`,
          )
          .replace(/\b(rel|app)-(\d+)/g, `$1-$2c${c}`),
      );
    }
  }
  return out;
}

/**
 * Heap per object after GC of caching `texts` (parsed and trimmed) in a Map keyed like an informer's store, each text
 * first without the field `vary` leaves out (as JSON: a `delete` on a parsed object would measure V8's slower
 * dictionary objects instead).
 */
async function heapPerObject(
  original: readonly string[],
  vary: (object: KubeObject) => KubeObject,
  trim: (object: KubeObject) => KubeObject,
): Promise<number> {
  const texts = original.map((text) => JSON.stringify(vary(JSON.parse(text) as KubeObject)));
  const before = await heapAfterGc();
  const store = new Map<string, KubeObject>();
  for (const text of texts) {
    const object = trim(checkedKubeObject(JSON.parse(text)));
    store.set(`${object.metadata.namespace ?? ""}/${object.metadata.name}`, object);
  }
  const after = await heapAfterGc();
  if (store.size !== texts.length) throw new Error("names repeat between copies; cannot measure");
  return (after - before) / texts.length;
}

function without(path: readonly string[]): (object: KubeObject) => KubeObject {
  return (object) => {
    let parent: unknown = object;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[key];
    if (typeof parent === "object" && parent !== null)
      delete (parent as Record<string, unknown>)[path.at(-1) ?? ""];
    return object;
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  for (const file of options.files) {
    const list = JSON.parse(readFileSync(file, "utf8")) as { items: KubeObject[] };
    const kind = list.items[0]?.kind;
    if (kind === undefined) {
      console.log(`${file}: no objects`);
      continue;
    }
    const informer = INFORMER_OF[kind];
    if (informer === undefined) throw new Error(`${file}: no shared informer caches ${kind}`);
    const trim = cacheTrimming[cachedKinds[informer]];
    const texts = copiesOf(list.items, options.copies);
    const same = (object: KubeObject): KubeObject => object;
    await heapPerObject(texts, same, trim); // warm-up
    const whole = await heapPerObject(texts, same, trim);
    const jsonBytes = texts.reduce(
      (sum, t) => sum + JSON.stringify(trim(JSON.parse(t) as KubeObject)).length,
      0,
    );
    const groups = new Map<string, Set<string>>();
    for (const item of options.whole ? [] : list.items) {
      for (const top of ["metadata", "spec", "status"]) {
        const value = (item as Record<string, unknown>)[top];
        if (typeof value !== "object" || value === null) continue;
        const keys = groups.get(top) ?? new Set<string>();
        for (const key of Object.keys(value)) keys.add(key);
        groups.set(top, keys);
      }
    }
    const rows: string[][] = [];
    for (const [top, keys] of groups) {
      if (top !== "metadata") {
        rows.push([top, String(Math.round(whole - (await heapPerObject(texts, without([top]), trim))))]);
      }
      for (const key of [...keys].sort()) {
        if (top === "metadata" && (key === "name" || key === "namespace")) continue;
        const saved = whole - (await heapPerObject(texts, without([top, key]), trim));
        rows.push([`  ${top}.${key}`, String(Math.round(saved))]);
      }
    }
    console.log(
      `${kind}: ${list.items.length} objects x ${options.copies} copies; ${Math.round(whole)} bytes of heap and ` +
        `${Math.round(jsonBytes / texts.length)} of JSON per cached object`,
    );
    console.log(textTable(["field (left out)", "heap saved per object (bytes)"], rows));
    console.log("");
  }
}

await main();
