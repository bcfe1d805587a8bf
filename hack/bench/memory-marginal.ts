// What more releases cost in the operator's caches, from two sizes of one `make bench-memory` run (ADR 0062).
import type { CacheHeap } from "./memory-cache.js";

import { mib } from "./memory-probes.js";

type Kind = keyof CacheHeap["objects"];

/** The release shapes of the tables, as counts of each kind per release. */
const SHAPES: { what: string; kinds: Partial<Record<Kind, number>> }[] = [
  { what: "rel+1 app", kinds: { releases: 1, argoCDApplications: 1 } },
  {
    what: "rel+2 app+task+cr",
    kinds: { releases: 1, argoCDApplications: 2, deploymentTasks: 1, changeRequests: 1 },
  },
];

/**
 * What 1,000 more releases cost, from the two sizes of one run: the difference of the heaps over the difference of
 * the objects, so what an informer holds whatever its number of objects (its maps, its watch, pools) is left out and
 * printed apart as the fixed part. This is "heap per 1,000 cached releases" in the sense (ADR 0062).
 */
export function marginalRows(small: CacheHeap, large: CacheHeap): string[][] {
  const perObject = (name: Kind): number => {
    const more = large.objects[name] - small.objects[name];
    return more <= 0 ? 0 : (large.aloneBytes[name] - small.aloneBytes[name]) / more;
  };
  const moreReleases = large.objects.releases - small.objects.releases;
  const allPer1000 = ((large.bytes - small.bytes) / moreReleases) * 1000;
  const fixed = small.bytes - (allPer1000 / 1000) * small.objects.releases;
  return [
    ["all caches together, per 1,000 more releases", mib(allPer1000)],
    ["all caches together, fixed (not growing with the releases)", mib(fixed)],
    ...SHAPES.map(({ what, kinds }) => [
      `${what}, per 1,000 more (each kind alone)`,
      mib(
        (Object.entries(kinds) as [Kind, number][]).reduce(
          (sum, [name, count]) => sum + count * perObject(name),
          0,
        ) * 1000,
      ),
    ]),
    ...(["releases", "argoCDApplications", "deploymentTasks", "changeRequests"] as const).map((name) => [
      `heap per additional ${name} object (bytes)`,
      String(Math.round(perObject(name))),
    ]),
  ];
}
