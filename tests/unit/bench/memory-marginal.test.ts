// The heap per 1,000 releases of `make bench-memory` is what more releases cost: the difference of two sizes, with
// what does not grow with them printed apart (ADR 0062).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CacheHeap } from "../../../hack/bench/memory-cache.js";
import { marginalRows } from "../../../hack/bench/memory-marginal.js";

const MIB = 2 ** 20;
const KINDS = [
  "deploymentTasks",
  "environments",
  "releases",
  "changeRequests",
  "approvals",
  "argoCDApplications",
  "fluxKustomizations",
  "fluxHelmReleases",
  "namespaces",
  "argoCDProjects",
  "teamRoleBindings",
] as const;
const byKind = (values: Partial<Record<(typeof KINDS)[number], number>>): CacheHeap["objects"] =>
  Object.fromEntries(KINDS.map((k) => [k, values[k] ?? 0])) as CacheHeap["objects"];

/** A world of `releases` releases, each object costing `per` bytes, each informer holding `fixed` bytes besides. */
function heap(
  releases: number,
  per: Record<"rel" | "app" | "task" | "cr", number>,
  fixed: number,
): CacheHeap {
  const objects = byKind({
    releases,
    argoCDApplications: 2 * releases,
    deploymentTasks: releases,
    changeRequests: releases,
  });
  const aloneBytes = byKind({
    releases: fixed + releases * per.rel,
    argoCDApplications: fixed + 2 * releases * per.app,
    deploymentTasks: fixed + releases * per.task,
    changeRequests: fixed + releases * per.cr,
  });
  const bytes = KINDS.reduce((sum, k) => sum + aloneBytes[k], 0);
  return { bytes, objects, jsonBytes: byKind({}), heapPerObject: byKind({}), aloneBytes };
}

describe("marginalRows", () => {
  const per = { rel: 2200, app: 950, task: 1600, cr: 2050 };
  const fixed = 0.1 * MIB;
  const rows = new Map(
    marginalRows(heap(150, per, fixed), heap(300, per, fixed)).map(([row, value]) => [row, value]),
  );

  it("leaves out what the informers hold whatever their number of objects", () => {
    // 2,200 + 2 x 950 + 1,600 + 2,050 = 7,750 bytes a release: 7.4 MiB per 1,000, at either size.
    assert.equal(rows.get("rel+2 app+task+cr, per 1,000 more (each kind alone)"), "7.4");
    assert.equal(rows.get("all caches together, per 1,000 more releases"), "7.4");
    assert.equal(rows.get("rel+1 app, per 1,000 more (each kind alone)"), "3.0");
    assert.equal(rows.get("heap per additional releases object (bytes)"), "2200");
    assert.equal(rows.get("heap per additional argoCDApplications object (bytes)"), "950");
  });

  it("prints the fixed part apart: four informers' 0.1 MiB each", () => {
    assert.equal(rows.get("all caches together, fixed (not growing with the releases)"), "0.4");
  });
});
