import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checklistEffect } from "../../../src/receivers/pipeline-effects.js";
import { parsePipelineEvent, type PipelineEvent } from "../../../src/receivers/pipeline-event.js";

const RELEASE = { name: "shop-1", namespace: "shop" };

function completing(
  type: string,
  data: Record<string, unknown>,
): Exclude<PipelineEvent, { type: "io.stagegate.build.promoted" }> {
  const parsed = parsePipelineEvent(
    {
      specversion: "1.0",
      id: "e7",
      source: "ci",
      type,
      data: { release: RELEASE, environment: "prod", ...data },
    },
    "ci",
  );
  if (!parsed.ok || parsed.event.type === "io.stagegate.build.promoted")
    throw new Error(JSON.stringify(parsed));
  return parsed.event;
}

describe("what a pipeline event does to a checklist", () => {
  const rows: {
    situation: string;
    type: string;
    data: Record<string, unknown>;
    task: string;
    items: [string, string][];
  }[] = [
    {
      situation: "a clean passing scan completes both items",
      type: "io.stagegate.scan.finished",
      data: { result: "Passed", digest: "sha256:a", findings: { critical: 0, high: 0 } },
      task: "SecurityScan",
      items: [
        ["scan-run", "Done"],
        ["findings-triaged", "Done"],
      ],
    },
    {
      situation: "a passing scan with high findings leaves triage to people",
      type: "io.stagegate.scan.finished",
      data: { result: "Passed", digest: "sha256:a", findings: { critical: 0, high: 3 } },
      task: "SecurityScan",
      items: [["scan-run", "Done"]],
    },
    {
      situation: "a passing scan without counts leaves triage to people",
      type: "io.stagegate.scan.finished",
      data: { result: "Passed", digest: "sha256:a" },
      task: "SecurityScan",
      items: [["scan-run", "Done"]],
    },
    {
      situation: "a failed scan fails the scan item",
      type: "io.stagegate.scan.finished",
      data: { result: "Failed", digest: "sha256:a", findings: { critical: 0, high: 0 } },
      task: "SecurityScan",
      items: [["scan-run", "Failed"]],
    },
    {
      situation: "an inconclusive scan records evidence and stays Pending",
      type: "io.stagegate.scan.finished",
      data: { result: "Inconclusive", digest: "sha256:a" },
      task: "SecurityScan",
      items: [["scan-run", "Pending"]],
    },
    {
      situation: "passing smoke tests verify the deployment",
      type: "io.stagegate.tests.passed",
      data: { suite: "smoke" },
      task: "PostDeployVerification",
      items: [["smoke-tests-passed", "Done"]],
    },
    {
      situation: "passing acceptance tests complete their item",
      type: "io.stagegate.tests.passed",
      data: { suite: "acceptance", uri: "https://r/1" },
      task: "UserAcceptance",
      items: [["acceptance-tests-passed", "Done"]],
    },
    {
      situation: "failing smoke tests fail verification",
      type: "io.stagegate.tests.failed",
      data: { suite: "smoke" },
      task: "PostDeployVerification",
      items: [["smoke-tests-passed", "Failed"]],
    },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      const effect = checklistEffect(completing(row.type, row.data));
      assert.equal(effect.taskType, row.task);
      assert.deepEqual(
        effect.updates.map((u) => [u.name, u.state]),
        row.items,
      );
    });
  }

  it("stamps the evidence with the report, the result and the event that brought it", () => {
    const effect = checklistEffect(
      completing("io.stagegate.scan.finished", {
        result: "Passed",
        digest: "sha256:a",
        uri: "https://scan/1",
        findings: { critical: 0, high: 0 },
      }),
    );
    const [scan, triage] = effect.updates;
    assert.equal(scan?.completedBy, "pipeline:ci");
    assert.equal(scan?.evidence.digest, "sha256:a");
    assert.equal(scan?.evidence.uri, "https://scan/1");
    assert.equal(scan?.evidence.result, "Passed");
    assert.match(scan?.evidence.notes ?? "", /CloudEvent e7 from ci/);
    assert.match(triage?.evidence.notes ?? "", /no critical and no high findings/);
  });

  it("leaves an inconclusive scan unsigned", () => {
    const effect = checklistEffect(
      completing("io.stagegate.scan.finished", { result: "Inconclusive", digest: "sha256:a" }),
    );
    assert.equal(effect.updates[0]?.completedBy, undefined);
    assert.equal(effect.updates[0]?.evidence.result, "Inconclusive");
  });
});
