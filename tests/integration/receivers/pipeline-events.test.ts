// The operator as its own process serving POST /pipeline-events over HTTPS: a promoted build opens the
// Environment's check tasks (once), a finished scan and passing tests complete their items with evidence, the
// DeploymentTask controller then succeeds the scan task, and every bad request gets a 4xx naming its cause
// without disturbing the next good one. The audit trail records each accepted event and still verifies.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import type { ChecklistItem } from "../../../src/api/v1alpha1/deployment-task.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { createEnvironment, deleteIgnoringMissing } from "../../support/controller-world.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import type { OperatorProcess } from "../../support/operator-process.js";
import { postToReceiver, type ReceiverAnswer, type ReceiverEndpoint } from "../../support/receiver-client.js";
import { startReceiverOperator } from "../../support/receiver-operator.js";
import { createRelease } from "../../support/release-world.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { checkTaskNameOf } from "../../../src/controllers/release/names.js";

const SOURCE_SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

const TOKEN = `tok-${randomBytes(12).toString("hex")}`;
/** The name support/receiver-operator gives TOKEN, second in the file: the actor of every event it sends. */
const SENDER = "ci-2";
const RELEASE = "shop-1";
const SOURCE = "https://ci.example.com/shop";

describe("pipeline events (operator process)", () => {
  let admin: KubeClient;
  let namespace: string;
  let tls: WebhookTls;
  let operator: OperatorProcess;
  let receivers: ReceiverEndpoint;
  const suffix = randomBytes(3).toString("hex");
  const gated = `prod-pe-${suffix}`;
  const bare = `dev-pe-${suffix}`;
  let eventCount = 0;

  const post = (body: Buffer | string, headers: Record<string, string>): Promise<ReceiverAnswer> =>
    postToReceiver(receivers, "/pipeline-events", body, headers);

  /** Posts a structured-mode CloudEvent with the accepted token (or the given Authorization header). */
  function send(
    type: string,
    data: unknown,
    opts: { id?: string; authorization?: string | null } = {},
  ): Promise<ReceiverAnswer> {
    eventCount += 1;
    const id = opts.id ?? `run-${eventCount}`;
    const headers: Record<string, string> = { "Content-Type": "application/cloudevents+json" };
    if (opts.authorization !== null) headers.Authorization = opts.authorization ?? `Bearer ${TOKEN}`;
    return post(JSON.stringify({ specversion: "1.0", id, source: SOURCE, type, data }), headers);
  }

  const ref = () => ({ name: RELEASE, namespace });
  /** The check task Stagegate opens for `release` in the gated environment (`security-scan` names SecurityScan). */
  const taskName = (check: string, release = RELEASE): string => {
    const type = check.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
    return checkTaskNameOf({ name: release, spec: ReleaseSpec.parse(specs.get(release)) }, gated, type);
  };
  /** The specs of the releases this file created, as the API server stores them. */
  const specs = new Map<string, unknown>();
  /** A release with a target in the gated environment at a full commit: checks attest one artifact. */
  async function createGatedRelease(name: string, version: string, pipeline: string[]): Promise<void> {
    const created = await createRelease({ admin, namespace }, name, {
      version,
      revision: SOURCE_SHA,
      pipeline,
      targets: [{ environment: gated, argoCD: { name: `${name}-app`, namespace, revision: SOURCE_SHA } }],
    });
    specs.set(name, created.spec);
  }

  async function checklist(name: string): Promise<ChecklistItem[]> {
    const task = await admin.get(resources.deploymentTask, name, namespace);
    return (task.spec as { checklist?: ChecklistItem[] }).checklist ?? [];
  }

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "pipeline-events");
    await createEnvironment({ admin, namespace }, gated, {
      gate: { requiredChecks: ["SecurityScan", "PostDeployVerification", "UserAcceptance"] },
    });
    await createEnvironment({ admin, namespace }, bare, {});
    // The Release controller stalls on the first stage (no target there), so only the events open the tasks of
    // the gated one, named and bound as the Release controller would.
    await createGatedRelease(RELEASE, "1.4.0", [bare, gated]);
    const started = await startReceiverOperator({
      namespace,
      tokens: { pipelineEvents: ["retired-token-0123456789", TOKEN] },
      readyController: "deploymenttask",
    });
    ({ process: operator, tls, endpoint: receivers } = started);
  });

  after(async () => {
    await operator?.stop();
    if (admin !== undefined) {
      for (const name of [gated, bare]) await deleteIgnoringMissing(admin, resources.environment, name);
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
    await tls?.remove();
  });

  it("opens the Environment's check tasks on a promoted build, and only once", async () => {
    const first = await send("io.stagegate.build.promoted", {
      release: ref(),
      environment: gated,
      revision: SOURCE_SHA,
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.outcome, "Applied");
    const expected = ["security-scan", "post-deploy-verification", "user-acceptance"].map((c) => taskName(c));
    assert.deepEqual(
      (first.body.tasks as { name: string; change: string }[]).map((t) => [t.name, t.change]),
      expected.map((name) => [name, "Created"]),
    );
    for (const name of expected) {
      const task = await admin.get(resources.deploymentTask, name, namespace);
      assert.equal(task.metadata.labels?.["stagegate.io/release"], RELEASE);
      const owner = task.metadata.ownerReferences?.[0];
      assert.equal(owner?.kind, "Release");
      assert.equal(owner?.controller, true);
    }
    assert.deepEqual(
      (await checklist(taskName("security-scan"))).map((i) => i.name),
      ["scan-run", "findings-triaged"],
    );

    const again = await send("io.stagegate.build.promoted", { release: ref(), environment: gated });
    assert.equal(again.status, 200);
    assert.equal(again.body.outcome, "Unchanged");
    assert.deepEqual(
      (again.body.tasks as { change: string }[]).map((t) => t.change),
      ["Exists", "Exists", "Exists"],
    );
    const { items } = await admin.list(resources.deploymentTask, {
      namespace,
      labelSelector: `stagegate.io/release=${RELEASE}`,
    });
    assert.equal(items.length, 3, "a second delivery creates nothing new");
  });

  it("completes the SecurityScan task from a clean scan, and the task then succeeds", async () => {
    const data = {
      release: ref(),
      environment: gated,
      result: "Passed",
      digest: "sha256:5e1f",
      uri: "https://scans.example.com/shop/42",
      findings: { critical: 0, high: 0 },
    };
    const answer = await send("io.stagegate.scan.finished", data, { id: "scan-42" });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.outcome, "Applied");
    const items = await checklist(taskName("security-scan"));
    const scan = items.find((i) => i.name === "scan-run");
    assert.equal(scan?.state, "Done");
    assert.equal(scan?.evidence?.digest, "sha256:5e1f");
    assert.equal(scan?.evidence?.result, "Passed");
    assert.match(scan?.evidence?.notes ?? "", /scan-42/);
    assert.equal(
      scan?.completedBy,
      `pipeline:${SENDER}`,
      "the token's name, not the source the event claims",
    );
    assert.equal(scan?.requiresEvidence, true, "the operator's fields are untouched");
    assert.equal(items.find((i) => i.name === "findings-triaged")?.state, "Done");

    await waitFor("the SecurityScan task to succeed", async () => {
      const task = await admin.get(resources.deploymentTask, taskName("security-scan"), namespace);
      return (task.status as { phase?: string } | undefined)?.phase === "Succeeded" ? task : undefined;
    });

    const before = await admin.get(resources.deploymentTask, taskName("security-scan"), namespace);
    const repeat = await send("io.stagegate.scan.finished", data, { id: "scan-42" });
    assert.equal(repeat.status, 200);
    assert.equal(repeat.body.outcome, "Unchanged");
    const afterRepeat = await admin.get(resources.deploymentTask, taskName("security-scan"), namespace);
    assert.equal(afterRepeat.metadata.generation, before.metadata.generation, "a redelivery changes nothing");
  });

  it("keeps what an earlier event wrote when a later one completes another item", async () => {
    const release = { name: "shop-2", namespace };
    await createGatedRelease(release.name, "1.5.0", [bare, gated]);
    const opened = await send("io.stagegate.build.promoted", { release, environment: gated });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const scan = { release, environment: gated, result: "Passed", digest: "sha256:77" };
    const withFindings = await send("io.stagegate.scan.finished", {
      ...scan,
      findings: { critical: 0, high: 2 },
    });
    assert.equal(withFindings.status, 200, JSON.stringify(withFindings.body));
    const name = taskName("security-scan", release.name);
    assert.deepEqual(
      (await checklist(name)).map((i) => [i.name, i.state]),
      [
        ["scan-run", "Done"],
        ["findings-triaged", "Pending"],
      ],
    );

    // A rescan comes back clean: scan-run keeps its first result, findings-triaged is completed, and the apply
    // (same field manager) must not drop the scan-run fields the first event wrote.
    const clean = await send("io.stagegate.scan.finished", { ...scan, findings: { critical: 0, high: 0 } });
    assert.equal(clean.status, 200, JSON.stringify(clean.body));
    const items = await checklist(name);
    assert.deepEqual(
      items.map((i) => [i.name, i.state]),
      [
        ["scan-run", "Done"],
        ["findings-triaged", "Done"],
      ],
    );
    assert.equal(items[0]?.evidence?.digest, "sha256:77");

    // A failing rescan is refused: the only item it would set is already decided.
    const failing = await send("io.stagegate.scan.finished", { ...scan, result: "Failed" });
    assert.equal(failing.status, 409);
    assert.equal(failing.body.reason, "ItemsAlreadyDecided");
    assert.match(String(failing.body.message), /scan-run is already Done/);
  });

  it("marks passing smoke tests on the post-deploy verification task", async () => {
    const answer = await send("io.stagegate.tests.passed", {
      release: ref(),
      environment: gated,
      suite: "smoke",
      uri: "https://ci.example.com/shop/runs/42",
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const items = await checklist(taskName("post-deploy-verification"));
    assert.equal(items.find((i) => i.name === "smoke-tests-passed")?.state, "Done");
    assert.equal(items.find((i) => i.name === "metrics-healthy")?.state, "Pending");
  });

  it("refuses a check the Environment does not require, naming it", async () => {
    const answer = await send("io.stagegate.tests.passed", {
      release: ref(),
      environment: bare,
      suite: "smoke",
    });
    assert.equal(answer.status, 422);
    assert.equal(answer.body.reason, "CheckNotRequired");
    assert.match(String(answer.body.message), new RegExp(`${bare} does not require PostDeployVerification`));
  });

  it("refuses bad requests with a 4xx that names the cause", async () => {
    const wrong = await send(
      "io.stagegate.build.promoted",
      { release: ref(), environment: gated },
      {
        authorization: "Bearer not-the-token",
      },
    );
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers["www-authenticate"]), /^Bearer realm="stagegate"/);
    assert.match(String(wrong.body.message), /bearer token is not accepted/);

    const missing = await send("io.stagegate.build.promoted", {}, { authorization: null });
    assert.equal(missing.status, 401);
    assert.match(String(missing.body.message), /carries no bearer token/);

    const malformed = await send("io.stagegate.build.promoted", { release: ref() });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.field, "data.environment");
    assert.equal(
      malformed.body.message,
      "data.environment is required: name the Environment the build was promoted to",
    );

    const unknownRelease = await send("io.stagegate.scan.finished", {
      release: { name: "no-such-release", namespace },
      environment: gated,
      result: "Passed",
      digest: "sha256:1",
    });
    assert.equal(unknownRelease.status, 404);
    assert.match(
      String(unknownRelease.body.message),
      new RegExp(`Release ${namespace}/no-such-release does not exist`),
    );

    const unknownType = await send("io.stagegate.deploy.started", { release: ref(), environment: gated });
    assert.equal(unknownType.status, 400);
    assert.match(String(unknownType.body.message), /send one of io\.stagegate\.build\.promoted/);

    const oversized = await post(Buffer.alloc(1024 * 1024 + 1, 0x20), {
      "Content-Type": "application/json",
      Authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(oversized.status, 413);

    const binary = await post(
      JSON.stringify({ release: ref(), environment: gated, suite: "acceptance", digest: "sha256:ua" }),
      {
        "Content-Type": "application/json",
        Authorization: `Bearer ${TOKEN}`,
        "ce-specversion": "1.0",
        "ce-id": "uat-7",
        "ce-source": SOURCE,
        "ce-type": "io.stagegate.tests.passed",
      },
    );
    assert.equal(
      binary.status,
      200,
      `a good event still works after the bad ones: ${JSON.stringify(binary.body)}`,
    );
    const items = await checklist(taskName("user-acceptance"));
    assert.equal(items.find((i) => i.name === "acceptance-tests-passed")?.state, "Done");
  });

  it("records accepted events in an audit trail that verifies, and counts them", async () => {
    const entries = (await readFile(operator.auditFile, "utf8"))
      .split("\n")
      .filter((line) => line !== "")
      .map(
        (line) =>
          JSON.parse(line) as {
            action: string;
            actor: string;
            object: { name: string };
            details: Record<string, unknown>;
          },
      );
    const received = entries.filter((e) => e.action === "PipelineEventReceived");
    assert.ok(received.every((e) => e.actor === `pipeline:${SENDER}`));
    const scan = received.filter(
      (e) => e.object.name === taskName("security-scan") && e.details.eventId === "scan-42",
    );
    assert.deepEqual(
      scan.map((e) => e.details.outcome),
      ["Applied"],
    );
    assert.ok(received.some((e) => e.details.eventId === "uat-7"));
    assert.ok(!received.some((e) => JSON.stringify(e).includes(TOKEN)), "the token is never recorded");
    const verification = await verifyAuditFile(operator.auditFile);
    assert.ok(verification.ok, JSON.stringify(verification));
    assert.equal(verification.entries, entries.length);

    const metrics = await operator.metrics();
    assert.match(
      metrics,
      /stagegate_pipeline_events_total\{type="io\.stagegate\.scan\.finished",outcome="Applied"\} [1-9]/,
    );
    assert.match(metrics, /stagegate_pipeline_events_total\{type="unknown",outcome="Unauthorized"\} 2/);
    assert.ok(!(await readFile(operator.logFile, "utf8")).includes(TOKEN), "the token is never logged");
  });
});
