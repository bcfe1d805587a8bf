import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventPriority } from "../../../src/runtime/controller.js";
import type { InformerEvent } from "../../../src/runtime/informer/informer.js";

const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "ns" } };

describe("eventPriority", () => {
  it("queues objects not yet started (created, listed, resynced) behind objects in flight", () => {
    const priorities = (["added", "resync", "updated", "deleted"] as const).map((type) =>
      eventPriority({ type, object } satisfies InformerEvent),
    );
    assert.deepEqual(priorities, ["low", "low", "normal", "normal"]);
  });
});
