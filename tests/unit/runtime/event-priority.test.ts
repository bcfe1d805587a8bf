import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventPriority, watchPriority } from "../../../src/runtime/controller.js";
import type { InformerEvent } from "../../../src/runtime/informer/informer.js";

const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "ns" } };
const types = ["added", "resync", "updated", "deleted"] as const;

describe("eventPriority", () => {
  it("queues objects not yet started (created, listed, resynced) behind objects in flight", () => {
    const priorities = types.map((type) => eventPriority({ type, object } satisfies InformerEvent));
    assert.deepEqual(priorities, ["low", "low", "normal", "normal"]);
  });
});

describe("watchPriority", () => {
  it("queues what a watched object's change wakes first, and nothing for its periodic resync", () => {
    const priorities = types.map((type) => watchPriority({ type, object } satisfies InformerEvent));
    assert.deepEqual(priorities, ["normal", undefined, "normal", "normal"]);
  });
});
