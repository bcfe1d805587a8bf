// The Manual notice created with the alert's Rollback task (ADR 0067): decided by the rollback controller's own
// gather and decision on the planned object, recorded on it as the controller's patch records a step, and nothing
// for any other policy or when the caches cannot tell yet.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Informers } from "../../../src/controllers/informers.js";
import { releaseTargetKeys } from "../../../src/controllers/release/target-claims.js";
import { decideRollback } from "../../../src/controllers/rollback/decide.js";
import { gatherRollback } from "../../../src/controllers/rollback/gather.js";
import { ROLLBACK_RELEASES_BY_TARGET } from "../../../src/controllers/rollback/previous-revision.js";
import { ROLLBACK_ANNOTATION, ROLLBACK_ACTOR } from "../../../src/controllers/rollback/reasons.js";
import { withStep } from "../../../src/controllers/rollback/step-record.js";
import { releaseCandidates } from "../../../src/receivers/alertmanager-match.js";
import { withManualNotice } from "../../../src/receivers/alertmanager-notice.js";
import type { WebhookAlert } from "../../../src/receivers/alertmanager-payload.js";
import { planRollbackTask } from "../../../src/receivers/alertmanager-task.js";
import type { EventRecorder } from "../../../src/runtime/events.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { checkedKubeObject, type KubeObject } from "../../../src/runtime/kube/object.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { FakeClock } from "../../support/fake-clock.js";
import { testRollbackSeal } from "../../support/rollback-seal.js";

const SHA0 = "0a0a0a0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA1 = "1b1b1b1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
type Mode = "Automatic" | "Manual" | "Disabled";

/** A client that fails every call: the notice is decided from the caches alone. */
const noApi = new Proxy(
  {},
  {
    get: () => () => Promise.reject(new Error("the notice must not call the API")),
  },
) as KubeClient;

const events = { record: () => Promise.reject(new Error("no Event before the create")) } as Pick<
  EventRecorder,
  "record"
>;

function release(name: string, revision: string, mode: Mode, deployStartedAt: string): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name, namespace: "shop", uid: `uid-${name}` },
    spec: {
      version: name === "shop-0" ? "1.3.0" : "1.4.0",
      source: { repoURL: "https://git.example.com/shop.git", revision, commits: [] },
      pipeline: ["prod"],
      targets: [{ environment: "prod", argoCD: { name: "shop-prod", namespace: "shop", revision } }],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "olga" } },
      rollbackPolicy: mode === "Disabled" ? { mode, reason: "The schema migration is one-way." } : { mode },
    },
    status: {
      environments: [{ name: "prod", state: "Verified", revision, deployStartedAt }],
    },
  };
}

/** The caches as the operator holds them: shop-0 was Verified in prod before shop-1 (under `mode`) replaced it. */
function caches(mode: Mode, synced = true): Informers {
  const stores = {
    releases: new ObjectStore(),
    environments: new ObjectStore(),
    argoCDApplications: new ObjectStore(),
    fluxKustomizations: new ObjectStore(),
    fluxHelmReleases: new ObjectStore(),
  };
  stores.releases.addIndex(ROLLBACK_RELEASES_BY_TARGET, releaseTargetKeys);
  stores.releases.upsert(release("shop-0", SHA0, "Manual", "2026-11-20T09:00:00Z"));
  stores.releases.upsert(release("shop-1", SHA1, mode, "2026-11-25T09:00:00Z"));
  stores.environments.upsert({
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { name: "prod" },
    spec: { delivery: { argoCDApplications: { namespaces: ["shop"] } } },
  });
  stores.argoCDApplications.upsert({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "shop-prod", namespace: "shop" },
    spec: {},
  });
  return Object.fromEntries(
    Object.entries(stores).map(([name, store]) => [name, { store, hasSynced: () => synced }]),
  ) as unknown as Informers;
}

const alert: WebhookAlert = {
  status: "firing",
  labels: { alertname: "HighErrorRate", app: "shop" },
  annotations: { summary: "More than 20% of requests fail." },
  startsAt: "2026-11-26T10:23:10Z",
  endsAt: "0001-01-01T00:00:00Z",
  generatorURL: "http://prometheus:9090/graph?g0.expr=x",
  fingerprint: "3c1a2b4d5e6f7a8b",
};

function plan(informers: Informers): ReturnType<typeof planRollbackTask> {
  const [candidate] = releaseCandidates([informers.releases.store.get("shop/shop-1") as KubeObject]);
  assert.ok(candidate !== undefined);
  return planRollbackTask(candidate, "prod", alert, new Date("2026-11-26T10:23:41Z"), testRollbackSeal);
}

function deps(informers: Informers, clock = new FakeClock(new Date("2026-11-26T10:23:42Z"))) {
  const seal = testRollbackSeal;
  return { informers, clock, events, client: noApi, seal, rollbackSeal: seal, log: silentLogger };
}

describe("the Manual notice created with an alert's Rollback task", () => {
  it("carries exactly the step and log entry the rollback controller's decision records, and its Event", async () => {
    const informers = caches("Manual");
    const planned = plan(informers);
    const d = deps(informers);
    const noticed = await withManualNotice(d, planned);

    // The controller's own decision on the planned object, as its first cached pass would make it.
    const gathered = await gatherRollback(d, checkedKubeObject(planned), {}, "cache");
    assert.ok(gathered !== undefined);
    const decision = decideRollback(gathered.input, d.clock.now());
    assert.equal(decision.reason, "ManualRollbackRequested", decision.message);
    assert.ok(decision.record !== undefined);
    assert.deepEqual(noticed.body, withStep(planned, decision.record));
    assert.deepEqual(noticed.events, decision.events);

    const annotations = noticed.body.metadata.annotations as Record<string, string>;
    assert.equal(annotations[ROLLBACK_ANNOTATION], "ManualRollbackRequested");
    for (const [key, value] of Object.entries(planned.metadata.annotations as Record<string, string>)) {
      assert.equal(annotations[key], value, `the seal's ${key} is kept`);
    }
    const log = noticed.body.spec.log as { author: string; kind: string; time: string; message: string }[];
    assert.equal(log.length, 1);
    assert.equal(log[0]?.author, ROLLBACK_ACTOR);
    assert.equal(log[0]?.kind, "Comment");
    assert.equal(log[0]?.time, "2026-11-26T10:23:42Z");
    assert.match(log[0]?.message ?? "", /^Rollback owner olga: roll .* back from revision 1b1b1b1/);
    assert.match(log[0]?.message ?? "", new RegExp(SHA0.slice(0, 7)), "names the previous Verified revision");
    assert.deepEqual(
      noticed.events.map((e) => [e.type, e.reason, e.message]),
      [["Normal", "ManualRollbackRequested", log[0]?.message]],
    );
    assert.equal(planned.spec.log, undefined, "the planned object is not changed");
  });

  it("leaves the controller nothing to write on its first pass", async () => {
    const informers = caches("Manual");
    const d = deps(informers);
    const noticed = await withManualNotice(d, plan(informers));
    const gathered = await gatherRollback(d, checkedKubeObject(noticed.body), {}, "cache");
    assert.ok(gathered !== undefined);
    const decision = decideRollback(gathered.input, d.clock.now());
    assert.equal(decision.kind, "Skip");
    assert.equal(decision.record, undefined);
    assert.deepEqual(decision.events, []);
  });

  for (const mode of ["Automatic", "Disabled"] as const) {
    it(`creates a ${mode} release's task as planned: its first step is the controller's`, async () => {
      const informers = caches(mode);
      const planned = plan(informers);
      const noticed = await withManualNotice(deps(informers), planned);
      assert.deepEqual(noticed, { body: planned, events: [] });
    });
  }

  it("creates the task as planned while a cache the decision reads has not been read whole", async () => {
    const informers = caches("Manual", false);
    const planned = plan(informers);
    assert.deepEqual(await withManualNotice(deps(informers), planned), { body: planned, events: [] });
  });

  it("creates the task as planned when the decision cannot be made (a cache without the controller's index)", async () => {
    const informers = caches("Manual");
    const releases = new ObjectStore();
    for (const obj of informers.releases.store.list()) releases.upsert(obj);
    const broken = { ...informers, releases: { store: releases, hasSynced: () => true } } as Informers;
    const planned = plan(informers);
    assert.deepEqual(await withManualNotice(deps(broken), planned), { body: planned, events: [] });
  });
});

describe("recording a step on a task body (the controller's patch and the receiver's create)", () => {
  const body = {
    metadata: { name: "t", annotations: { "example.com/kept": "yes" } },
    spec: {
      type: "Rollback",
      log: [{ author: "ann", kind: "Comment", time: "2026-11-26T10:00:00Z", message: "hi" }],
    },
  };
  it("appends the step's entry to the log and sets its annotations beside the body's own", () => {
    const entry = {
      author: ROLLBACK_ACTOR,
      kind: "Comment" as const,
      time: "2026-11-26T10:01:00Z",
      message: "m",
    };
    const record = {
      annotation: "RollbackStarted" as const,
      startedAt: "2026-11-26T10:01:00Z",
      policyNoted: "Manual",
      log: entry,
    };
    const stepped = withStep(body, record);
    assert.deepEqual(stepped.metadata.annotations, {
      "example.com/kept": "yes",
      "stagegate.io/rollback": "RollbackStarted",
      "stagegate.io/rollback-started-at": "2026-11-26T10:01:00Z",
      "stagegate.io/rollback-policy-noted": "Manual",
    });
    assert.deepEqual(stepped.spec.log, [...body.spec.log, entry]);
    assert.equal(body.spec.log.length, 1, "the body is not changed");
  });
  it("leaves the log alone for a step without an entry", () => {
    const stepped = withStep(body, { annotation: "RollbackHeld" as const });
    assert.equal(stepped.spec, body.spec);
    assert.equal(
      (stepped.metadata.annotations as Record<string, string>)["stagegate.io/rollback"],
      "RollbackHeld",
    );
  });
});
