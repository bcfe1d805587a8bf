// What a gate waited on, on the record (ADR 0053): a real release waits at prod's gate on its check and its approval,
// then on the approval alone, then the gate opens. The operator's trail holds exactly those three GateWaitChanged
// entries, once each, across an operator crash and restart in the middle; `stagegate insights bottlenecks -o json`
// splits prod's gate wait by them. bob (a developer who may edit the release) cannot put a change of category on the
// record: he may not write the status the operator decides from, and what he may write (labels, annotations) decides
// nothing. Real API server, the operator's webhooks, the operator as its own process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import type { StoredAuditEntry } from "../../src/audit/entry.js";
import { resources } from "../../src/controllers/resources.js";
import { isForbidden } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { kubeconfigPath } from "../support/cluster.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";
import { clientFor, waitFor } from "../support/kube.js";
import { stagegateAs } from "../integration/cli/cli-helpers.js";
import {
  SHA_A,
  WAIT_MS,
  aliceApproves,
  argoTarget,
  auditEntries,
  bindReleaseManager,
  createApplication,
  daveCreatesRelease,
  startGateWorld,
  syncWhenAsked,
  waitForEntry,
  type GateWorld,
} from "./gate-world.js";

const BottleneckRows = z.array(
  z.object({
    environment: z.string(),
    phase: z.string(),
    count: z.number(),
    totalSeconds: z.number(),
    longestWait: z.string().optional(),
    gateSplit: z.record(z.string(), z.object({ count: z.number(), totalSeconds: z.number() })).optional(),
  }),
);

describe("the gate wait on the record", { timeout: 900_000 }, () => {
  let world: GateWorld;
  let bob: KubeClient;
  /** The trail the operator writes, kept across its restart. */
  let trail: string;
  /** The operator started again by {@link restartOperator}, if it was. */
  let restarted: OperatorProcess | undefined;
  const w = (): GateWorld => world;
  const RELEASE = "waits";

  before(async () => {
    world = await startGateWorld("gate-wait", { requiredChecks: ["SecurityScan"] });
    trail = world.operator.process.auditFile;
    // bob (developers) edits releases and works the checks of this namespace, as a release manager may.
    await bindReleaseManager(world.admin, world.namespace, "bob");
    await world.admin.patch(
      resources.environment,
      world.prod,
      undefined,
      { spec: { owners: { application: [{ kind: "Group", name: "developers" }] } } },
      { type: "merge" },
    );
    bob = await clientFor("bob");
  });
  after(async () => {
    bob?.close();
    // The world's stop ends the operator it started (and its webhooks); the one started again is this file's.
    await restarted?.stop();
    await world?.stop();
  });

  /** The release's GateWaitChanged entries for prod, in the trail's order. */
  const prodWaits = (): StoredAuditEntry[] =>
    auditEntries(w()).filter(
      (e) =>
        e.action === "GateWaitChanged" && e.object.name === RELEASE && e.details.environment === w().prod,
    );
  const categories = (): string[][] => prodWaits().map((e) => e.details.categories as string[]);

  /** The check task the operator opened for prod, once it exists. */
  const prodCheck = () =>
    waitFor(
      "the SecurityScan task for prod",
      async () =>
        (await w().admin.list(resources.deploymentTask, { namespace: w().namespace })).items.find(
          (t) => (t.spec as { environment?: string }).environment === w().prod,
        ),
      { timeoutMs: WAIT_MS },
    );

  /**
   * Kills the operator (SIGKILL, as a crash) and starts it again with the same flags: the same trail, webhook port
   * and certificates, so the registered webhooks reach it again.
   */
  async function restartOperator(): Promise<void> {
    const old = w().operator;
    const args = old.process.child.spawnargs;
    // Its own metrics certificate (the one its metrics() trusts), everything else as before.
    const flags = args
      .slice(args.indexOf("run") + 1)
      .filter((flag) => !flag.startsWith("--metrics-cert-dir="));
    await old.process.kill();
    const process = startOperator(kubeconfigPath("operator"), flags);
    restarted = process;
    await process.waitForLog("Synced every informer cache", {}, WAIT_MS);
    // The same trail: the new process's own file (its flags name the first one's) is never written.
    world.operator = { ...old, process: { ...process, auditFile: trail } };
  }

  /** The release controller's reconciles in the restarted operator, from its /metrics. */
  async function releaseReconciles(): Promise<number> {
    if (restarted === undefined) throw new Error("the operator was not restarted");
    let total = 0;
    for (const line of (await restarted.metrics()).split("\n")) {
      if (line.startsWith("controller_runtime_reconcile_total{") && line.includes('controller="release"')) {
        total += Number(line.split(" ").at(-1));
      }
    }
    return total;
  }

  it("records each change of what prod's gate waits on once, across a restart", async () => {
    await createApplication(w(), `${RELEASE}-dev`, w().dev);
    await createApplication(w(), `${RELEASE}-prod`, w().prod);
    await daveCreatesRelease(w(), RELEASE, {
      version: "1.0.0",
      revision: SHA_A,
      pipeline: [w().dev, w().prod],
      targets: [argoTarget(w(), w().dev, `${RELEASE}-dev`), argoTarget(w(), w().prod, `${RELEASE}-prod`)],
    });
    await syncWhenAsked(w(), `${RELEASE}-dev`);
    await waitFor(
      "prod to wait on its check and its approval",
      () => (JSON.stringify(categories()) === JSON.stringify([["checks", "approvals"]]) ? true : undefined),
      { timeoutMs: WAIT_MS },
    );

    // The operator crashes and comes back while prod waits: it decides the same wait from the stored status.
    await restartOperator();
    // Before the check is worked: the restarted operator has passed over the release (its only one) while prod
    // still waits on both, so "recorded once" below means it decided the same wait and recorded nothing.
    await waitFor(
      "the restarted operator to pass over the release",
      async () => ((await releaseReconciles()) >= 1 ? true : undefined),
      { timeoutMs: WAIT_MS },
    );
    assert.deepEqual(categories(), [["checks", "approvals"]], "the restart recorded no new wait");

    // bob works the check: every item Done with a report as evidence (the task webhook stamps who and when).
    const task = await prodCheck();
    const spec = task.spec as { checklist?: Record<string, unknown>[] };
    await bob.update(resources.deploymentTask, {
      ...task,
      spec: {
        ...spec,
        checklist: (spec.checklist ?? []).map((item) => ({
          ...item,
          state: "Done",
          evidence: { uri: `https://reports.example.com/${task.metadata.name}/${String(item.name)}` },
        })),
      },
    });
    // Recorded by the restarted operator, which passed over the release at its start: the first wait is still once.
    await waitFor("prod to wait on its approval alone", () => (categories().length >= 2 ? true : undefined), {
      timeoutMs: WAIT_MS,
    });
    assert.deepEqual(categories(), [["checks", "approvals"], ["approvals"]]);
    assert.deepEqual(prodWaits()[1]?.details.reasons, ["ChangeNotApproved"]);
    assert.equal((prodWaits()[1]?.details.previous as { category?: string }).category, "checks");
  });

  it("refuses bob a status write, and labels and annotations put nothing on the record", async () => {
    // bob may edit the release, but not the status the operator decides transitions from.
    const forged = bob.patch(
      resources.release,
      RELEASE,
      w().namespace,
      {
        status: {
          environments: [
            {
              name: w().prod,
              state: "Gated",
              gateWait: { categories: ["lock"], reasons: ["TargetLocked"], since: "2020-01-01T00:00:00Z" },
            },
          ],
        },
      },
      { type: "merge", subresource: "status" },
    );
    await assert.rejects(forged, (err: unknown) => isForbidden(err), "bob may not write a Release's status");
    // What bob may write decides nothing: a category named in a label or an annotation is no gate reason.
    await bob.patch(
      resources.release,
      RELEASE,
      w().namespace,
      {
        metadata: {
          labels: { "stagegate.io/team": "lock", "tags.stagegate.io/freeze": "true" },
          annotations: { "example.com/gate-wait": "lock", "example.com/gate-category": "freeze" },
        },
      },
      { type: "merge" },
    );
    // The operator passes over the release for the edit (a watch event); the stored wait is its own decision.
    const stored = (
      (await w().admin.get(resources.release, RELEASE, w().namespace)).status as {
        environments?: { name: string; gateWait?: { categories: string[] } }[];
      }
    ).environments?.find((e) => e.name === w().prod)?.gateWait;
    assert.deepEqual(stored?.categories, ["approvals"]);
    assert.deepEqual(categories(), [["checks", "approvals"], ["approvals"]]);
    assert.ok(
      prodWaits().every((e) => e.actor === "stagegate-operator"),
      "only the operator writes these entries",
    );
  });

  it("records the gate opening, once, and the bottleneck report splits prod's gate wait by the record", async () => {
    const change = await waitFor(
      "prod's ChangeRequest",
      async () =>
        (await w().admin.list(resources.changeRequest, { namespace: w().namespace })).items.find(
          (c) => (c.spec as { environment?: string }).environment === w().prod,
        )?.metadata.name,
      { timeoutMs: WAIT_MS },
    );
    await aliceApproves(w(), change);
    await syncWhenAsked(w(), `${RELEASE}-prod`);
    await waitForEntry(w(), RELEASE, w().prod, (e) => e.state === "Verified");
    // bob's labels and annotations, edited before, added nothing: exactly the three changes, once each.
    assert.deepEqual(categories(), [["checks", "approvals"], ["approvals"], []]);
    const [first, second, opened] = prodWaits();
    assert.equal(opened?.details.state, "Deploying");
    const transitions = prodWaits().map((e) => e.transition);
    assert.equal(new Set(transitions).size, 3, "three facts, each its own transition");
    assert.ok(first !== undefined && second !== undefined && opened !== undefined);

    const run = await stagegateAs("admin", ["insights", "bottlenecks", trail, "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const gate = BottleneckRows.parse(JSON.parse(run.stdout)).find(
      (r) => r.environment === w().prod && r.phase === "gate",
    );
    assert.ok(gate !== undefined, run.stdout);
    const split = gate.gateSplit ?? {};
    const seconds = (from: StoredAuditEntry, to: StoredAuditEntry) =>
      (Date.parse(to.time) - Date.parse(from.time)) / 1000;
    assert.equal(split.checks?.totalSeconds, seconds(first, second), run.stdout);
    assert.equal(split.approvals?.totalSeconds, seconds(second, opened), run.stdout);
    const parts = Object.values(split).reduce((sum, part) => sum + part.totalSeconds, 0);
    assert.ok(Math.abs(parts - gate.totalSeconds) < 0.01, `the parts add up to the gate wait: ${run.stdout}`);
    assert.ok(
      Object.keys(split).every((k) => ["checks", "approvals", "unexplained"].includes(k)),
      run.stdout,
    );
  });
});
