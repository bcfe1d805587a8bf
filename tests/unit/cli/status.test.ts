import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseStatus } from "../../../src/api/v1alpha1/release.js";
import { UsageError } from "../../../src/cli/errors.js";
import {
  ReleaseObject,
  formatReleaseStatus,
  reportReleaseStatus,
} from "../../../src/cli/verbs/status-format.js";
import { statusVerb } from "../../../src/cli/verbs/status.js";

const T = "2026-12-08T08:00:00Z";

function release(status: ReleaseStatus | undefined): ReleaseObject {
  return ReleaseObject.parse({
    metadata: { name: "payments-2.14.0", namespace: "payments" },
    spec: {
      version: "2.14.0",
      source: { repoURL: "https://git.example.com/payments.git", revision: "3f2a1c9" },
      pipeline: ["dev", "test", "prod"],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "bob" } },
    },
    ...(status === undefined ? {} : { status }),
  });
}

function ready(status: "True" | "False", reason: string, message: string) {
  return [{ type: "Ready", status, reason, message, lastTransitionTime: T }];
}

interface Row {
  situation: string;
  status: ReleaseStatus | undefined;
  /** Lines the text must hold, each matched as a whole line. */
  lines: RegExp[];
  /** Lines the text must not hold. */
  absent?: RegExp[];
  current: string | null;
}

const rows: Row[] = [
  {
    situation: "nothing reconciled yet",
    status: undefined,
    current: null,
    lines: [
      /^Release payments-2\.14\.0 \(version 2\.14\.0\) in namespace payments$/,
      /^Ready: not reported by the operator yet$/,
      /^ {2}dev$/,
      /^ {2}prod$/,
      /^ {4}state: +not reported by the operator yet$/,
    ],
    absent: [/^> /, /reasons:/, /revision:/],
  },
  {
    situation: "gated in prod with two reasons",
    status: {
      currentEnvironment: "prod",
      currentState: "Gated",
      conditions: ready("False", "Gated", "The release waits at the gate of prod."),
      environments: [
        { name: "dev", state: "Verified", revision: "3f2a1c9", requestedAt: T, verifiedAt: T },
        { name: "test", state: "Verified", revision: "3f2a1c9" },
        {
          name: "prod",
          state: "Gated",
          requestedAt: T,
          reasons: ["ChangeRequest payments-prod is not approved (1/2).", "Freeze window xmas is active."],
        },
      ],
    },
    current: "prod",
    lines: [
      /^Ready: False \(Gated\) The release waits at the gate of prod\.$/,
      /^> prod \(current\)$/,
      /^ {4}state: +Gated$/,
      /^ {6}- ChangeRequest payments-prod is not approved \(1\/2\)\.$/,
      /^ {6}- Freeze window xmas is active\.$/,
      /^ {4}verified: +2026-12-08T08:00:00Z$/,
    ],
  },
  {
    situation: "deploying to test",
    status: {
      currentEnvironment: "test",
      currentState: "Deploying",
      environments: [
        { name: "dev", state: "Verified", revision: "3f2a1c9" },
        { name: "test", state: "Deploying", gateClearedAt: T, deployStartedAt: T },
      ],
    },
    current: "test",
    lines: [/^> test \(current\)$/, /^ {4}state: +Deploying$/, /^ {4}deploy started: +2026-12-08T08:00:00Z$/],
    absent: [/^ {4}deployed:/],
  },
  {
    situation: "verified everywhere",
    status: {
      currentEnvironment: "prod",
      currentState: "Verified",
      conditions: ready("True", "Verified", "The release is verified in every environment."),
      environments: ["dev", "test", "prod"].map((name) => ({
        name,
        state: "Verified" as const,
        revision: "3f2a1c9",
        deployedAt: T,
        verifiedAt: T,
      })),
    },
    current: "prod",
    lines: [
      /^Ready: True \(Verified\) The release is verified in every environment\.$/,
      /^> prod \(current\)$/,
    ],
    absent: [/^ {4}state: +(?!Verified$)\S/],
  },
  {
    situation: "failed in test, with a stray environment no longer in the pipeline",
    status: {
      currentEnvironment: "test",
      currentState: "Failed",
      conditions: ready("False", "DeployFailed", "The deployment to test failed."),
      environments: [
        { name: "test", state: "Failed", reasons: ["Argo CD application payments-test is Degraded."] },
        { name: "qa", state: "Verified" },
      ],
    },
    current: "test",
    lines: [
      /^> test \(current\)$/,
      /^ {4}state: +Failed$/,
      /^ {6}- Argo CD application payments-test is Degraded\.$/,
      /^ {2}qa \(not in spec\.pipeline\)$/,
    ],
  },
];

describe("stagegate status: what the formatter shows", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const report = reportReleaseStatus(release(row.status));
      assert.deepEqual(
        report.environments.slice(0, 3).map((env) => env.name),
        ["dev", "test", "prod"],
        "pipeline order",
      );
      assert.deepEqual(
        report.environments.filter((env) => env.current).map((env) => env.name),
        row.current === null ? [] : [row.current],
      );
      const lines = formatReleaseStatus(report).split("\n");
      for (const pattern of row.lines) {
        assert.ok(
          lines.some((line) => pattern.test(line)),
          `${pattern.source} in:\n${lines.join("\n")}`,
        );
      }
      for (const pattern of row.absent ?? []) {
        assert.ok(!lines.some((line) => pattern.test(line)), `no ${pattern.source} in:\n${lines.join("\n")}`);
      }
    });
  }

  it("names the workflow the release follows: the default, or the template and generation it was created with", () => {
    const plain = reportReleaseStatus(release(undefined));
    assert.equal(plain.workflow, null);
    assert.match(formatReleaseStatus(plain), /^Workflow: the default \(the Environments' own checks\)$/m);
    const digest = `sha256:${"a".repeat(64)}`;
    const templated = ReleaseObject.parse({
      ...release(undefined),
      spec: {
        ...release(undefined).spec,
        pipeline: ["dev", "prod"],
        workflowTemplate: "hotfix",
        workflow: {
          template: "hotfix",
          uid: "u-1",
          generation: 3,
          digest,
          spec: { changeType: "Hotfix", stages: [{ environment: "dev" }, { environment: "prod" }] },
        },
      },
    });
    const report = reportReleaseStatus(templated);
    assert.deepEqual(report.workflow, { template: "hotfix", generation: 3, digest });
    assert.match(
      formatReleaseStatus(report),
      /^Workflow: template hotfix, generation 3, as it stood when the release was created$/m,
    );
  });

  it("reports only the timestamps that are set, and every reason, in the JSON form", () => {
    const report = reportReleaseStatus(release(rows[1]?.status));
    assert.deepEqual(report.environments[0], {
      name: "dev",
      current: false,
      inPipeline: true,
      state: "Verified",
      revision: "3f2a1c9",
      reasons: [],
      timestamps: { requestedAt: T, verifiedAt: T },
    });
    assert.equal(report.environments[2]?.reasons.length, 2);
    assert.deepEqual(report.ready, {
      status: "False",
      reason: "Gated",
      message: "The release waits at the gate of prod.",
    });
  });
});

describe("stagegate status: parsing", () => {
  it("takes exactly one RELEASE", () => {
    assert.equal(statusVerb.parse(["payments-2.14.0", "-n", "team-a"], {}).release, "payments-2.14.0");
    assert.throws(
      () => statusVerb.parse([], {}),
      (err) => err instanceof UsageError && /RELEASE/.test(err.message),
    );
    assert.throws(
      () => statusVerb.parse(["a", "b"], {}),
      (err) => err instanceof UsageError && /unexpected argument "b"/.test(err.message),
    );
  });

  it("refuses a RELEASE that is not an object name", () => {
    assert.throws(
      () => statusVerb.parse(["Payments_2"], {}),
      (err) => err instanceof UsageError && /RELEASE must be a Release name/.test(err.message),
    );
  });
});
