import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readInputs } from "../../../src/controllers/schedule/index.js";
import type { Informers } from "../../../src/controllers/informers.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

type CalendarInformers = Pick<
  Informers,
  "changeRequests" | "deploymentTasks" | "environments" | "namespaces"
>;

function caches(): { informers: CalendarInformers; tasks: ObjectStore } {
  const stores = {
    changeRequests: new ObjectStore(),
    deploymentTasks: new ObjectStore(),
    environments: new ObjectStore(),
    namespaces: new ObjectStore(),
  };
  const informers = Object.fromEntries(
    Object.entries(stores).map(([name, store]) => [name, { store }]),
  ) as unknown as CalendarInformers;
  return { informers, tasks: stores.deploymentTasks };
}

const task = (dueAt: string, resourceVersion: string): KubeObject => ({
  apiVersion: "stagegate.io/v1alpha1",
  kind: "DeploymentTask",
  metadata: { name: "check", namespace: "shop", uid: "uid-1", resourceVersion },
  spec: { type: "Checklist", title: "Check the dashboards", dueAt },
});

// The sweep parses each cached object once (ADR 0054); these rows prove it never answers from an old parse.
describe("readInputs: the calendar's view of the caches", () => {
  it("reads a task the cache replaced as it is now, not as it was parsed before", () => {
    const { informers, tasks } = caches();
    tasks.upsert(task("2026-12-08T10:00:00Z", "1"));
    assert.deepEqual(
      readInputs(informers).tasks.map((t) => t.spec.dueAt),
      ["2026-12-08T10:00:00Z"],
    );
    tasks.upsert(task("2026-12-09T10:00:00Z", "2"));
    assert.deepEqual(
      readInputs(informers).tasks.map((t) => t.spec.dueAt),
      ["2026-12-09T10:00:00Z"],
    );
  });

  it("gives the same reading for an unchanged object, and leaves out a spec that does not parse", () => {
    const { informers, tasks } = caches();
    tasks.upsert(task("2026-12-08T10:00:00Z", "1"));
    tasks.upsert({
      ...task("2026-12-08T10:00:00Z", "1"),
      metadata: { name: "bad", namespace: "shop" },
      spec: { type: 7 },
    });
    const first = readInputs(informers).tasks;
    const second = readInputs(informers).tasks;
    assert.deepEqual(
      first.map((t) => t.metadata.name),
      ["check"],
    );
    assert.equal(second[0], first[0], "the unchanged task is not parsed again");
  });
});
