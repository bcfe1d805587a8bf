import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CloudEvent } from "../../../src/receivers/cloudevent.js";
import { pipelineEventTransition } from "../../../src/receivers/pipeline-events-route.js";

const EVENT: CloudEvent = {
  specversion: "1.0",
  id: "scan-42",
  source: "https://ci.example.com/shop",
  type: "io.stagegate.scan.finished",
  data: { release: { namespace: "shop", name: "shop-1" }, environment: "prod", result: "Passed" },
};
const TASK = { kind: "DeploymentTask", name: "shop-1-prod-security-scan" };

describe("pipelineEventTransition", () => {
  it("names a redelivery of the same event alike", () => {
    const first = pipelineEventTransition(EVENT, "ci", TASK);
    assert.equal(pipelineEventTransition({ ...EVENT, time: "2026-11-26T10:00:00Z" }, "ci", TASK), first);
    assert.ok(
      first.startsWith("CloudEvent/https:%2F%2Fci.example.com%2Fshop/PipelineEventReceived/scan-42/ci/"),
    );
  });

  it("tells apart another event, another sender, other contents under the same id, and another object", () => {
    const first = pipelineEventTransition(EVENT, "ci", TASK);
    const others = [
      pipelineEventTransition({ ...EVENT, id: "scan-43" }, "ci", TASK),
      pipelineEventTransition({ ...EVENT, source: "https://other.example.com" }, "ci", TASK),
      pipelineEventTransition(EVENT, "mallory", TASK),
      pipelineEventTransition(
        { ...EVENT, data: { ...(EVENT.data as object), result: "Failed" } },
        "ci",
        TASK,
      ),
      pipelineEventTransition({ ...EVENT, type: "io.stagegate.build.promoted" }, "ci", TASK),
      pipelineEventTransition(EVENT, "ci", { kind: "Release", name: "shop-1" }),
    ];
    for (const other of others) assert.notEqual(other, first);
    assert.equal(new Set(others).size, others.length);
  });
});
