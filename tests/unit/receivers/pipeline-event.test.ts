import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CloudEvent } from "../../../src/receivers/cloudevent.js";
import { parsePipelineEvent, PIPELINE_EVENT_TYPES } from "../../../src/receivers/pipeline-event.js";

const RELEASE = { name: "shop-1", namespace: "shop" };
const event = (type: string, data: unknown): CloudEvent => ({
  specversion: "1.0",
  id: "evt-1",
  source: "https://ci.example.com/shop",
  type,
  data,
});
const SCAN = { release: RELEASE, environment: "prod", result: "Passed", digest: "sha256:abc" };

describe("pipeline event data", () => {
  it("reads each supported type", () => {
    const rows: [string, unknown][] = [
      ["io.stagegate.build.promoted", { release: RELEASE, environment: "prod", revision: "4f2c1e0" }],
      ["io.stagegate.scan.finished", { ...SCAN, findings: { critical: 0, high: 2 } }],
      ["io.stagegate.tests.passed", { release: RELEASE, environment: "prod", suite: "smoke" }],
      [
        "io.stagegate.tests.failed",
        { release: RELEASE, environment: "prod", suite: "acceptance", uri: "https://r" },
      ],
    ];
    for (const [type, data] of rows) {
      const parsed = parsePipelineEvent(event(type, data), "ci");
      assert.ok(parsed.ok, `${type}: ${JSON.stringify(parsed)}`);
      assert.equal(parsed.event.type, type);
      assert.deepEqual(parsed.event.origin, {
        id: "evt-1",
        source: "https://ci.example.com/shop",
        sender: "ci",
      });
    }
  });

  it("refuses an unknown type, listing the supported ones", () => {
    const parsed = parsePipelineEvent(event("io.stagegate.build.started", {}), "ci");
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.equal(parsed.reason, "UnsupportedType");
    assert.equal(parsed.field, "type");
    for (const type of PIPELINE_EVENT_TYPES) assert.ok(parsed.message.includes(type), parsed.message);
  });

  const bad: { situation: string; type: string; data: unknown; field: string; says: RegExp }[] = [
    {
      situation: "no data",
      type: "io.stagegate.build.promoted",
      data: undefined,
      field: "data",
      says: /^data is required: send the promotion/,
    },
    {
      situation: "data that is a string",
      type: "io.stagegate.build.promoted",
      data: "prod",
      field: "data",
      says: /^data must be an object/,
    },
    {
      situation: "a promotion without environment",
      type: "io.stagegate.build.promoted",
      data: { release: RELEASE },
      field: "data.environment",
      says: /^data\.environment is required: name the Environment the build was promoted to$/,
    },
    {
      situation: "no release",
      type: "io.stagegate.build.promoted",
      data: { environment: "prod" },
      field: "data.release",
      says: /^data\.release is required: name the Release/,
    },
    {
      situation: "a release without namespace",
      type: "io.stagegate.scan.finished",
      data: { ...SCAN, release: { name: "shop-1" } },
      field: "data.release.namespace",
      says: /is required: name the namespace/,
    },
    {
      situation: "an upper-case release name",
      type: "io.stagegate.scan.finished",
      data: { ...SCAN, release: { ...RELEASE, name: "Shop" } },
      field: "data.release.name",
      says: /lowercase DNS-1123 name/,
    },
    {
      situation: "an unknown scan result",
      type: "io.stagegate.scan.finished",
      data: { ...SCAN, result: "OK" },
      field: "data.result",
      says: /must be Passed, Failed or Inconclusive/,
    },
    {
      situation: "a scan without report digest",
      type: "io.stagegate.scan.finished",
      data: { ...SCAN, digest: undefined },
      field: "data.digest",
      says: /data\.digest is required: the digest of the scan report/,
    },
    {
      situation: "a negative finding count",
      type: "io.stagegate.scan.finished",
      data: { ...SCAN, findings: { critical: -1, high: 0 } },
      field: "data.findings.critical",
      says: /must not be negative/,
    },
    {
      situation: "a fractional finding count",
      type: "io.stagegate.scan.finished",
      data: { ...SCAN, findings: { critical: 0, high: 1.5 } },
      field: "data.findings.high",
      says: /must be a whole number/,
    },
    {
      situation: "an unknown suite",
      type: "io.stagegate.tests.passed",
      data: { release: RELEASE, environment: "prod", suite: "unit" },
      field: "data.suite",
      says: /must be smoke or acceptance/,
    },
    {
      situation: "acceptance tests without evidence",
      type: "io.stagegate.tests.passed",
      data: { release: RELEASE, environment: "prod", suite: "acceptance" },
      field: "data.uri",
      says: /data\.uri is required for the acceptance suite/,
    },
  ];
  for (const row of bad) {
    it(`refuses ${row.situation}, naming ${row.field}`, () => {
      const parsed = parsePipelineEvent(event(row.type, row.data), "ci");
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.reason, "InvalidData");
      assert.equal(parsed.field, row.field);
      assert.match(parsed.message, row.says);
    });
  }
});
