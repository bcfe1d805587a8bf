import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseEnvironmentState } from "../../../src/api/v1alpha1/release.js";
import { decideRelease } from "../../../src/controllers/release/decide.js";
import { changeRequestName, checkTaskName } from "../../../src/controllers/release/names.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import {
  FULL_REV,
  HOUR,
  REV,
  SELF,
  T0,
  actionLines,
  recordedPromotions,
  assertInvariants,
  bindingOf,
  ENVIRONMENTS,
  at,
  environment,
  releaseInput,
  releaseSpec,
  storedEntry,
  task,
  type Env,
  type EnvFixture,
} from "./release-fixtures.js";

const CHANGE = changeRequestName(bindingOf("prod"), 1);

type States = [
  dev: ReleaseEnvironmentState,
  test: ReleaseEnvironmentState,
  staging: ReleaseEnvironmentState,
  prod: ReleaseEnvironmentState,
];

/** One situation and the decision expected for it. */
interface Row {
  situation: string;
  envs?: Partial<Record<Env, EnvFixture>>;
  spec?: ReturnType<typeof releaseSpec>;
  now?: Date;
  states: States;
  actions: string[];
  /** Fragments the named environment's reasons must contain. */
  says?: [Env, string][];
  ready?: [status: string, reason: string];
  stalled?: string;
  events?: [type: string, reason: string][];
  requeueAfterMs?: number;
}

const verifiedThrough = (...envs: Env[]): Partial<Record<Env, EnvFixture>> =>
  Object.fromEntries(envs.map((e) => [e, { stored: "Verified" as const, delivery: deployed() }]));
const deployed = (revision = FULL_REV) => ({
  state: "Deployed" as const,
  revision,
  message: "Synced and Healthy",
});
const deploying = { state: "Deploying" as const, revision: FULL_REV, message: "Sync operation running" };
const stagingReady = [
  task("staging", "EnvironmentReadiness", "Succeeded"),
  task("staging", "UserAcceptance", "Succeeded"),
];
const stagingChecks = [
  `EnsureCheckTask ${checkTaskName(bindingOf("staging"), "EnvironmentReadiness")}`,
  `EnsureCheckTask ${checkTaskName(bindingOf("staging"), "UserAcceptance")}`,
  `EnsureCheckTask ${checkTaskName(bindingOf("staging"), "PostDeployVerification")}`,
];
const approved = { name: CHANGE, resolution: "Approved" };

const rows: Row[] = [
  {
    situation: "a new release enters the first environment at once: no gate asks anything there",
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [`Record dev@${REV}`],
    says: [
      ["dev", `Promoting revision ${REV} through shop-dev.`],
      ["test", "must be Verified in dev first"],
    ],
    ready: ["Unknown", "Promoting"],
    stalled: "absent",
    events: [["Normal", "Promoted"]],
  },
  {
    situation: "a delivery target that does not exist is not promoted into: Gated, looked for again",
    envs: { dev: { delivery: { state: "Missing", message: "Application argocd/shop-dev does not exist." } } },
    states: ["Gated", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "The delivery target shop-dev does not exist: create it, or correct spec.targets."]],
    ready: ["Unknown", "Gated"],
    requeueAfterMs: 30_000,
  },
  {
    situation: "deploying with no observation yet stays Deploying, with nothing to do",
    envs: { dev: { stored: "Deploying" } },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [],
    events: [],
  },
  {
    situation:
      "the promotion recorded (delivery request pending), the target unlocked: the lock and the request go now",
    envs: {
      dev: {
        stored: storedEntry("dev", "Deploying", {
          deliveryRequestPending: true,
          runningAtPromotion: "0ld0000",
        }),
        delivery: deployed("0ld0000"),
      },
    },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [`Promote dev@${REV}`],
    events: [],
  },
  {
    situation:
      "the promotion recorded and the lock naming the release: the request was made with it, nothing is asked again",
    envs: {
      dev: {
        stored: storedEntry("dev", "Deploying", {
          deliveryRequestPending: true,
          runningAtPromotion: "0ld0000",
        }),
        delivery: deployed("0ld0000"),
        lockHolder: SELF,
      },
    },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [`ConfirmPromotion dev@${REV}`],
    events: [],
  },
  {
    situation:
      "the lock naming the release but written alone (no request with it): the idempotent request is asked again",
    envs: {
      dev: {
        stored: storedEntry("dev", "Deploying", {
          deliveryRequestPending: true,
          runningAtPromotion: "0ld0000",
        }),
        delivery: deployed("0ld0000"),
        lockHolder: SELF,
        lockWithRequest: false,
      },
    },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [`Promote dev@${REV}`],
    events: [],
  },
  {
    situation: "the lock naming the release and the target running the revision: Deployed, the mark dropped",
    envs: {
      dev: {
        stored: storedEntry("dev", "Deploying", {
          deliveryRequestPending: true,
          runningAtPromotion: "0ld0000",
        }),
        delivery: deployed(),
        lockHolder: SELF,
      },
    },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [
      `ConfirmPromotion dev@${REV}`,
      `EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`,
    ],
  },
  {
    situation: "another release recorded a promotion to the target and has not locked it yet: the gate waits",
    envs: { dev: { recordedBy: "team/other" } },
    states: ["Gated", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "Release team/other is deploying to the same target; this release waits its turn."]],
  },
  {
    situation:
      "a promotion another release recorded holds the target even when a forged lock would be taken over",
    envs: {
      dev: {
        recordedBy: "team/other",
        lockHolder: "team/mallory",
        lock: { kind: "Forged", why: "no Release team/mallory exists" },
      },
    },
    states: ["Gated", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "Release team/other is deploying to the same target"]],
  },
  {
    situation:
      "the promotion recorded but the lock taken by another holder since: nothing is asked, it waits",
    envs: {
      dev: {
        stored: storedEntry("dev", "Deploying", { deliveryRequestPending: true }),
        delivery: deployed("0ld0000"),
        lockHolder: "rollback:team/shop-0-dev-rollback",
      },
    },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "shop-dev is locked by rollback:team/shop-0-dev-rollback: the revision is asked for"]],
  },
  {
    situation:
      "a gate opening on a target that already runs the revision: Deploying until the tool was asked",
    envs: { dev: { delivery: deployed() } },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [`Record dev@${REV}`],
    says: [["dev", `Recorded the promotion of revision ${REV}; shop-dev is asked for it next.`]],
  },
  {
    situation: "deploying while the adapter still shows the old revision stays Deploying",
    envs: { dev: { stored: "Deploying", delivery: deployed("0ld0000") } },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", `Waiting for shop-dev to deploy revision ${REV}: Synced and Healthy.`]],
  },
  {
    situation: "deploying while the adapter reports the sync running stays Deploying, with its message",
    envs: { dev: { stored: "Deploying", delivery: deploying } },
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "Sync operation running."]],
  },
  {
    situation: "deployed at the release revision without verification tasks is Verified at once; test opens",
    envs: { dev: { stored: "Deploying", delivery: deployed(), lockHolder: SELF } },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`],
    says: [["test", "no task yet for SecurityScan"]],
    ready: ["Unknown", "Gated"],
    events: [
      ["Normal", "Verified"],
      ["Normal", "Gated"],
    ],
  },
  {
    situation: "Flux reports main@sha1:<full id>; that matches the short revision",
    envs: { dev: { stored: "Deploying", delivery: deployed(`main@sha1:${FULL_REV}`) } },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`],
  },
  {
    situation:
      "a failed delivery fails the environment and holds the pipeline (the lock waits for Failed stored)",
    envs: {
      dev: {
        stored: "Deploying",
        lockHolder: SELF,
        delivery: { state: "Failed", message: "hook job failed" },
      },
    },
    states: ["Failed", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "Delivery through shop-dev failed: hook job failed."]],
    ready: ["False", "Failed"],
    events: [["Warning", "DeploymentFailed"]],
  },
  {
    situation: "a Failed environment stored: the lock is freed",
    envs: {
      dev: {
        stored: storedEntry("dev", "Failed", { reasons: ["Delivery failed: x."] }),
        lockHolder: SELF,
        delivery: { state: "Failed", message: "hook job failed" },
      },
    },
    states: ["Failed", "Pending", "Pending", "Pending"],
    actions: ["ReleaseLock dev"],
    events: [],
  },
  {
    situation: "a failed environment is not promoted again, even with its gate open",
    envs: {
      dev: {
        stored: storedEntry("dev", "Failed", { reasons: ["Delivery failed: x."] }),
        delivery: deployed("0ld0000"),
      },
    },
    states: ["Failed", "Pending", "Pending", "Pending"],
    actions: [],
    says: [["dev", "Delivery failed: x."]],
    events: [],
  },
  {
    situation: "a failed environment that someone repaired to the release revision goes on to Verified",
    envs: { dev: { stored: "Failed", delivery: deployed() } },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`],
  },
  {
    situation: "a required check still open holds the gate and names the task",
    envs: { ...verifiedThrough("dev"), test: { tasks: [task("test", "SecurityScan", "Ready")] } },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`],
    says: [["test", `waiting for ${checkTaskName(bindingOf("test"), "SecurityScan")} to succeed`]],
  },
  {
    situation: "the required check succeeded: test is promoted",
    envs: { ...verifiedThrough("dev"), test: { tasks: [task("test", "SecurityScan", "Succeeded")] } },
    states: ["Verified", "Deploying", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`, `Record test@${REV}`],
  },
  {
    situation: "another release holds the target: test waits its turn",
    envs: {
      ...verifiedThrough("dev"),
      test: { tasks: [task("test", "SecurityScan", "Succeeded")], lockHolder: "team/other" },
    },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`],
    says: [["test", "Release team/other is deploying to the same target"]],
  },
  {
    situation: "the lock names a release taking it right now: test waits, and asks again when its grace ends",
    envs: {
      ...verifiedThrough("dev"),
      test: {
        tasks: [task("test", "SecurityScan", "Succeeded")],
        lockHolder: "team/other",
        lock: { kind: "Taking", until: at(20_000) },
      },
    },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`],
    says: [["test", "Release team/other is deploying to the same target"]],
    requeueAfterMs: 21_000,
  },
  {
    situation: "the lock names a release that holds nothing there (forged): test takes it over",
    envs: {
      ...verifiedThrough("dev"),
      test: {
        tasks: [task("test", "SecurityScan", "Succeeded")],
        lockHolder: "team/mallory",
        lock: { kind: "Forged", why: "no Release team/mallory exists" },
      },
    },
    states: ["Verified", "Deploying", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`, `Record test@${REV}`],
  },
  {
    situation: "a recorded promotion whose target carries a forged lock is asked of the tool all the same",
    envs: {
      ...verifiedThrough("dev"),
      test: {
        stored: storedEntry("test", "Deploying", { deliveryRequestPending: true }),
        tasks: [task("test", "SecurityScan", "Succeeded")],
        lockHolder: "team/mallory",
        lock: { kind: "Forged", why: "no Release team/mallory exists" },
      },
    },
    states: ["Verified", "Deploying", "Pending", "Pending"],
    actions: [`EnsureCheckTask ${checkTaskName(bindingOf("test"), "SecurityScan")}`, `Promote test@${REV}`],
  },
  {
    situation: "staging opens its three check tasks; verification is not asked before deploying",
    envs: { ...verifiedThrough("dev", "test"), staging: { tasks: stagingReady } },
    states: ["Verified", "Verified", "Deploying", "Pending"],
    actions: [...stagingChecks, `Record staging@${REV}`],
  },
  {
    situation: "every missing check is a blocking reason",
    envs: verifiedThrough("dev", "test"),
    states: ["Verified", "Verified", "Gated", "Pending"],
    actions: stagingChecks,
    says: [["staging", "no task yet for EnvironmentReadiness, UserAcceptance"]],
  },
  {
    situation: "deployed while post-deploy verification is open: Deployed",
    envs: {
      ...verifiedThrough("dev", "test"),
      staging: {
        stored: "Deploying",
        delivery: deployed(),
        tasks: [...stagingReady, task("staging", "PostDeployVerification", "Ready")],
      },
    },
    states: ["Verified", "Verified", "Deployed", "Pending"],
    actions: stagingChecks,
    says: [
      [
        "staging",
        `Waiting for post-deploy verification ${checkTaskName(bindingOf("staging"), "PostDeployVerification")} to succeed.`,
      ],
    ],
    events: [["Normal", "Deployed"]],
  },
  {
    situation: "deployed with verification required but its task not opened yet: Deployed",
    envs: {
      ...verifiedThrough("dev", "test"),
      staging: { stored: "Deploying", delivery: deployed(), tasks: stagingReady },
    },
    states: ["Verified", "Verified", "Deployed", "Pending"],
    actions: stagingChecks,
    says: [["staging", "PostDeployVerification task to be opened"]],
  },
  {
    situation: "verification succeeded: Verified, and prod asks for its ChangeRequest",
    envs: {
      ...verifiedThrough("dev", "test"),
      staging: {
        stored: "Deployed",
        delivery: deployed(),
        lockHolder: SELF,
        tasks: [...stagingReady, task("staging", "PostDeployVerification", "Succeeded")],
      },
    },
    states: ["Verified", "Verified", "Verified", "Gated"],
    actions: [`EnsureChangeRequest ${CHANGE}`],
    says: [
      ["prod", "A ChangeRequest for this environment has not been opened yet."],
      ["prod", "the daily window opens at 2030-01-01T10:00:00.000Z"],
    ],
    events: [
      ["Normal", "Verified"],
      ["Normal", "Gated"],
    ],
  },
  {
    situation: "a re-sync of the same revision after Deployed is no news",
    envs: {
      ...verifiedThrough("dev", "test"),
      staging: { stored: "Deployed", delivery: deploying, tasks: stagingReady },
    },
    states: ["Verified", "Verified", "Deployed", "Pending"],
    actions: stagingChecks,
    events: [],
  },
  {
    situation: "a Deployed target drifting to another revision while this release holds it fails",
    envs: {
      ...verifiedThrough("dev", "test"),
      staging: { stored: "Deployed", delivery: deployed("0ld0000"), lockHolder: SELF },
    },
    states: ["Verified", "Verified", "Failed", "Pending"],
    actions: [],
    says: [["staging", `shop-staging is Deployed at revision 0ld0000 instead of running revision ${REV}`]],
  },
  {
    situation: "Verified is final for a revision: a later release taking the target over changes nothing",
    envs: {
      ...verifiedThrough("dev", "test"),
      staging: { stored: "Verified", delivery: deployed("feed000") },
    },
    states: ["Verified", "Verified", "Verified", "Gated"],
    actions: [`EnsureChangeRequest ${CHANGE}`],
  },
  {
    situation: "an approved change outside the window: only the window holds, so look again when it opens",
    envs: { ...verifiedThrough("dev", "test", "staging"), prod: { changeRequest: approved } },
    states: ["Verified", "Verified", "Verified", "Gated"],
    actions: [`EnsureChangeRequest ${CHANGE}`],
    requeueAfterMs: 10 * HOUR + 1000,
  },
  {
    situation: "an approved change inside the window but in a freeze: held, and looked at again as it thaws",
    now: at(10.5 * HOUR),
    envs: {
      ...verifiedThrough("dev", "test", "staging"),
      prod: {
        changeRequest: approved,
        spec: environment({
          ...ENVIRONMENTS.prod,
          gate: {
            ...ENVIRONMENTS.prod.gate,
            freezes: [{ name: "year-end", start: "2029-12-20T00:00:00Z", end: "2030-01-01T11:00:00Z" }],
          },
        }),
      },
    },
    states: ["Verified", "Verified", "Verified", "Gated"],
    actions: [`EnsureChangeRequest ${CHANGE}`],
    says: [["prod", "The environment is frozen: year-end until 2030-01-01T11:00:00Z."]],
    requeueAfterMs: 0.5 * HOUR + 1000,
  },
  {
    situation: "an approved change inside the window: prod is promoted",
    now: at(10.5 * HOUR),
    envs: { ...verifiedThrough("dev", "test", "staging"), prod: { changeRequest: approved } },
    states: ["Verified", "Verified", "Verified", "Deploying"],
    actions: [`EnsureChangeRequest ${CHANGE}`, `Record prod@${REV}`],
  },
  {
    situation: "after a crash between promoting and writing the status: the used change still opens the gate",
    now: at(10.5 * HOUR),
    envs: {
      ...verifiedThrough("dev", "test", "staging"),
      prod: {
        stored: "Gated",
        lockHolder: SELF,
        changeRequest: {
          ...approved,
          usedAt: "2030-01-01T10:29:00Z",
          closedAt: "2030-01-01T10:29:01Z",
        },
      },
    },
    states: ["Verified", "Verified", "Verified", "Deploying"],
    actions: [`EnsureChangeRequest ${CHANGE}`, `Record prod@${REV}`],
  },
  {
    situation: "a re-created release past its predecessor's kept change asks under the next ordinal",
    now: at(10.5 * HOUR),
    envs: { ...verifiedThrough("dev", "test", "staging"), prod: { changeOrdinal: 2 } },
    states: ["Verified", "Verified", "Verified", "Gated"],
    actions: [`EnsureChangeRequest ${changeRequestName(bindingOf("prod"), 2)}`],
  },
  {
    situation: "a rejected change holds prod, inside the window too",
    now: at(10.5 * HOUR),
    envs: {
      ...verifiedThrough("dev", "test", "staging"),
      prod: { changeRequest: { name: `${CHANGE}`, resolution: "Rejected" } },
    },
    states: ["Verified", "Verified", "Verified", "Gated"],
    actions: [`EnsureChangeRequest ${CHANGE}`],
    says: [["prod", `ChangeRequest ${CHANGE} is Rejected, not approved.`]],
  },
  {
    situation: "Verified everywhere: Ready, and the last lock is released",
    envs: {
      ...verifiedThrough("dev", "test", "staging", "prod"),
      prod: { stored: "Verified", lockHolder: SELF },
    },
    states: ["Verified", "Verified", "Verified", "Verified"],
    actions: ["ReleaseLock prod"],
    ready: ["True", "Complete"],
    events: [],
  },
  {
    situation: "an Environment named in the pipeline that does not exist stalls the release",
    envs: { ...verifiedThrough("dev"), test: { missing: true } },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [],
    says: [["test", "Environment test named in spec.pipeline does not exist"]],
    ready: ["False", "EnvironmentNotFound"],
    stalled: "EnvironmentNotFound",
    events: [
      ["Normal", "Gated"],
      ["Warning", "EnvironmentNotFound"],
    ],
  },
  {
    situation: "an Environment whose window does not parse stalls the release instead of throwing",
    envs: {
      ...verifiedThrough("dev"),
      test: { spec: environment({ gate: { windows: [{ schedule: "every tuesday", duration: "2h" }] } }) },
    },
    states: ["Verified", "Gated", "Pending", "Pending"],
    actions: [],
    says: [["test", "Environment test has an invalid window, freeze or task SLA"]],
    ready: ["False", "InvalidEnvironment"],
    stalled: "InvalidEnvironment",
  },
  {
    situation: "a pipeline environment without a target stalls the release, even before it is reached",
    spec: releaseSpec({ targets: [{ environment: "dev", argoCD: { name: "shop-dev", revision: REV } }] }),
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: [`Record dev@${REV}`],
    says: [["test", "has no target; add one to spec.targets"]],
    ready: ["False", "TargetMissing"],
    stalled: "TargetMissing",
  },
  {
    situation: "a changed revision is promoted again from the first environment; later ones wait",
    spec: releaseSpec({
      targets: ["dev", "test", "staging", "prod"].map((environment) => ({
        environment,
        argoCD: { name: `shop-${environment}`, revision: "bead000" },
      })),
    }),
    envs: verifiedThrough("dev", "test"),
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: ["Record dev@bead000"],
    events: [
      ["Normal", "Promoted"],
      ["Normal", "Pending"],
    ],
  },
  {
    situation: "a Flux HelmRelease is promoted to its chart version",
    spec: releaseSpec({
      targets: [
        { environment: "dev", flux: { kind: "HelmRelease", name: "shop", chartVersion: "2.14.0" } },
        ...["test", "staging", "prod"].map((environment) => ({
          environment,
          argoCD: { name: `shop-${environment}`, revision: REV },
        })),
      ],
    }),
    states: ["Deploying", "Pending", "Pending", "Pending"],
    actions: ["Record dev@2.14.0"],
  },
];

describe("decideRelease: one decision per situation", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const now = row.now ?? T0;
      const input = releaseInput({ envs: row.envs, ...(row.spec === undefined ? {} : { spec: row.spec }) });
      const decision = decideRelease(input, now);
      const entries = decision.status.environments ?? [];
      assert.deepEqual(
        entries.map((e) => e.state),
        row.states,
      );
      // Recording a promotion writes the status only (`Record env@revision`); the target is written in the next pass.
      const recorded = recordedPromotions(input, decision).map((name) => {
        const entry = entries.find((e) => e.name === name);
        return `Record ${name}@${entry?.revision ?? ""}`;
      });
      assert.deepEqual([...actionLines(decision), ...recorded], row.actions);
      for (const [env, text] of row.says ?? []) {
        const reasons = (entries.find((e) => e.name === env)?.reasons ?? []).join(" ");
        assert.ok(reasons.includes(text), `${env} reasons "${reasons}" should contain "${text}"`);
      }
      const conditions = decision.status.conditions;
      if (row.ready !== undefined) {
        const ready = findCondition(conditions, "Ready");
        assert.deepEqual([ready?.status, ready?.reason], row.ready, ready?.message);
        assert.equal(ready?.observedGeneration, 1);
      }
      if (row.stalled !== undefined) {
        assert.equal(
          findCondition(conditions, "Stalled")?.reason,
          row.stalled === "absent" ? undefined : row.stalled,
        );
      }
      if (row.events !== undefined) {
        assert.deepEqual(
          decision.events.map((e) => [e.type, e.reason]),
          row.events,
        );
      }
      assert.equal(decision.requeueAfterMs, row.requeueAfterMs);
      assert.equal(decision.status.observedGeneration, 1);
    });
  }
});

describe("decideRelease: invariants hold in every situation of the table", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const now = row.now ?? T0;
      const input = releaseInput({ envs: row.envs, ...(row.spec === undefined ? {} : { spec: row.spec }) });
      const decision = decideRelease(input, now);
      assertInvariants(input, decision, now);
      for (const e of decision.status.environments ?? []) {
        if (e.state === "Gated")
          assert.ok((e.reasons ?? []).length > 0, `${e.name} is Gated without a reason`);
      }
      // Deciding again on the decided status asks the delivery tool for what this decision recorded (and only
      // that: one write takes the lock with the request, the lock not taken yet in that pass), changes nothing in
      // the status (asking writes no status of its own, ADR 0037) and announces nothing; once more changes nothing.
      const recorded = recordedPromotions(input, decision);
      const asking = {
        ...input,
        environments: input.environments.map((e) =>
          recorded.includes(e.name) ? { ...e, lockHolder: undefined } : e,
        ),
        release: { ...input.release, status: decision.status },
      };
      const again = decideRelease(asking, now);
      assert.deepEqual(
        again.actions
          .flatMap((a) => (a.kind === "Promote" ? [a.environment] : []))
          .filter((e) => recorded.includes(e)),
        recorded,
        "the delivery tool is asked in the pass after the promotion is recorded",
      );
      assert.deepEqual(again.status, decision.status);
      assert.deepEqual(again.events, []);
      const settled = decideRelease({ ...asking, release: { ...input.release, status: again.status } }, now);
      assert.deepEqual(settled.status, again.status);
      assert.deepEqual(settled.events, []);
      const ensures = (lines: string[]) => lines.filter((l) => l.startsWith("Ensure"));
      if (recorded.length === 0)
        assert.deepEqual(ensures(actionLines(again)), ensures(actionLines(decision)));
    });
  }
});

describe("lastOperationAtRequest: the tool's last operation is recorded with the promotion, before any request", () => {
  const before = { id: "2029-12-30T10:00:00Z 0ld0000", revision: "0ld0000" };
  const since = { id: "2029-12-31T00:00:09Z 0ld0000", revision: "0ld0000" };
  const observed = (lastOperation: { id: string; revision: string }) => ({
    ...deployed("0ld0000"),
    lastOperation,
  });
  const devEntry = (decision: ReturnType<typeof decideRelease>) =>
    decision.status.environments?.find((e) => e.name === "dev");
  const recording = decideRelease(releaseInput({ envs: { dev: { delivery: observed(before) } } }), T0);

  it("is the operation as read in the pass that records the promotion (nothing is written to the target)", () => {
    assert.deepEqual(actionLines(recording), []);
    assert.equal(devEntry(recording)?.deliveryRequestPending, true);
    assert.equal(devEntry(recording)?.lastOperationAtRequest, before.id);
  });

  const recorded = devEntry(recording);
  assert.ok(recorded !== undefined);

  it("is kept, with the status unchanged, by the pass that takes the lock with the request", () => {
    const asking = decideRelease(
      releaseInput({ envs: { dev: { stored: recorded, delivery: observed(before) } } }),
      T0,
    );
    assert.deepEqual(actionLines(asking), [`Promote dev@${REV}`]);
    assert.deepEqual(devEntry(asking), recorded);
  });

  it("is kept in later passes, whatever the tool ran since; the lock naming the release confirms the request", () => {
    const later = decideRelease(
      releaseInput({ envs: { dev: { stored: recorded, delivery: observed(since), lockHolder: SELF } } }),
      T0,
    );
    assert.deepEqual(actionLines(later), [`ConfirmPromotion dev@${REV}`]);
    assert.equal(devEntry(later)?.lastOperationAtRequest, before.id);
  });

  it("is not recorded for a tool that keeps no operation (Flux)", () => {
    const decision = decideRelease(releaseInput({ envs: { dev: { delivery: deployed("0ld0000") } } }), T0);
    assert.equal(devEntry(decision)?.lastOperationAtRequest, undefined);
  });
});
