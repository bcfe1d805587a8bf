import assert from "node:assert/strict";
import type { z } from "zod";
import type { TaskPhase, TaskType } from "../../../src/api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import {
  ReleaseSpec,
  type ReleaseEnvironmentState,
  type ReleaseEnvironmentStatus,
  type ReleaseStatus,
} from "../../../src/api/v1alpha1/release.js";
import type { ReleaseDecision, ReleaseDecisionInput } from "../../../src/controllers/release/decide.js";
import type { EnvironmentInput } from "../../../src/controllers/release/environment-step.js";
import type { GateBinding } from "../../../src/api/v1alpha1/binding.js";
import { releaseBinding } from "../../../src/api/v1alpha1/release-binding.js";
import { checkTaskName } from "../../../src/controllers/release/names.js";
import { decidePromotionGate } from "../../../src/policy/promotion-gates.js";

/** Midnight UTC on a Tuesday; prod's window opens at 10:00 UTC every day for two hours. */
export const T0 = new Date("2030-01-01T00:00:00Z");
export const HOUR = 3_600_000;
/** `ms` milliseconds after T0. */
export const at = (ms: number): Date => new Date(T0.getTime() + ms);
/** The revision every target of the release pins, and the full commit id Argo CD reports for it. */
export const FULL_REV = "abc1234def5678abc1234def5678abc1234def56";
export const REV = FULL_REV;
/** The Release's UID. */
export const UID = "0f6c1a52-7d1e-4f0b-9a51-2c3d4e5f6a7b";
export const SELF = "team/shop";
export const PIPELINE = ["dev", "test", "staging", "prod"] as const;
export type Env = (typeof PIPELINE)[number];

/** The release `team/shop` with an Argo CD target per environment, all at {@link REV}. */
export function releaseSpec(change: Partial<z.input<typeof ReleaseSpec>> = {}): ReleaseSpec {
  return ReleaseSpec.parse({
    version: "2.14.0",
    source: { repoURL: "https://git.example.com/shop.git", revision: REV },
    workItems: [
      { id: "PAY-1", type: "Story", title: "Pay by invoice" },
      { id: "PAY-2", type: "Bug" },
    ],
    pipeline: [...PIPELINE],
    targets: PIPELINE.map((environment) => ({
      environment,
      argoCD: { name: `shop-${environment}`, revision: REV },
    })),
    owners: {
      releaseManager: { kind: "User", name: "rita" },
      rollbackOwner: { kind: "User", name: "otto" },
    },
    ...change,
  });
}

/** Parses an Environment spec with the API's defaults. */
export const environment = (input: z.input<typeof EnvironmentSpec>): EnvironmentSpec =>
  EnvironmentSpec.parse(input);

/**
 * The pipeline's Environments: dev asks nothing; test a security scan; staging readiness, UAT and post-deploy
 * verification; prod an approval and a 10:00-12:00 UTC window.
 */
const OWNS_ARGOCD = { argoCDApplications: { namespaces: ["argocd"] } };

export const ENVIRONMENTS: Record<Env, EnvironmentSpec> = {
  dev: environment({
    delivery: { ...OWNS_ARGOCD, fluxHelmReleases: { namespaces: ["flux-system"] } },
  }),
  test: environment({
    delivery: OWNS_ARGOCD,
    promotesFrom: ["dev"],
    gate: { requiredChecks: ["SecurityScan"] },
    owners: { application: [{ kind: "Group", name: "shop-team" }] },
    taskSLA: "48h",
  }),
  staging: environment({
    delivery: OWNS_ARGOCD,
    promotesFrom: ["test"],
    gate: { requiredChecks: ["EnvironmentReadiness", "UserAcceptance", "PostDeployVerification"] },
    owners: { infrastructure: [{ kind: "Group", name: "platform" }] },
  }),
  prod: environment({
    delivery: OWNS_ARGOCD,
    promotesFrom: ["staging"],
    regulated: true,
    gate: {
      requiredApprovals: 1,
      windows: [{ name: "daily", schedule: "0 10 * * *", duration: "2h" }],
    },
  }),
};

/** The binding of the default release's gate in `env`. */
export function bindingOf(env: Env, spec: ReleaseSpec = releaseSpec()): GateBinding {
  const target = spec.targets.find((t) => t.environment === env);
  const binding =
    target === undefined ? undefined : releaseBinding({ name: "shop", uid: UID, spec }, env, target);
  assert.ok(binding !== undefined, `the fixture release binds ${env}`);
  return binding;
}

/** A task view as Stagegate opened it for the default release's binding in `env`. */
export function task(env: Env, type: TaskType, phase?: TaskPhase): EnvironmentInput["tasks"][number] {
  const binding = bindingOf(env);
  return { name: checkTaskName(binding, type), type, phase, countsForGate: true };
}

/** A stored entry as an earlier pass at `when` would have left it, at revision {@link REV} unless told. */
export function storedEntry(
  name: string,
  state: ReleaseEnvironmentState,
  extra: Partial<ReleaseEnvironmentStatus> = {},
  when = "2029-12-31T00:00:00Z",
): ReleaseEnvironmentStatus {
  const rank = ["Pending", "Gated", "Deploying", "Deployed", "Verified"].indexOf(
    state === "Failed" ? "Deploying" : state,
  );
  return {
    name,
    state,
    ...(rank >= 2 ? { revision: REV } : {}),
    ...(rank >= 1 ? { requestedAt: when } : {}),
    ...(rank >= 2 ? { gateClearedAt: when, deployStartedAt: when } : {}),
    ...(rank >= 3 ? { deployedAt: when } : {}),
    ...(rank >= 4 ? { verifiedAt: when } : {}),
    ...extra,
  };
}

/** What one environment looks like in a fixture: its gathered input, and its stored status entry. */
export interface EnvFixture extends Partial<Omit<EnvironmentInput, "name">> {
  stored?: ReleaseEnvironmentState | ReleaseEnvironmentStatus;
  /** Set to true to gather no Environment object at all. */
  missing?: boolean;
}

/** A decision input for `team/shop`: the fixture's Environments, tasks, changes, locks and observations. */
export function releaseInput(options: {
  envs?: Partial<Record<Env, EnvFixture>>;
  spec?: ReleaseSpec;
  status?: ReleaseStatus;
  generation?: number;
}): ReleaseDecisionInput {
  const spec = options.spec ?? releaseSpec();
  const envs = options.envs ?? {};
  const entries = spec.pipeline.flatMap((name) => {
    const stored = envs[name as Env]?.stored;
    if (stored === undefined) return [];
    return [typeof stored === "string" ? storedEntry(name, stored) : stored];
  });
  const status = options.status ?? (entries.length === 0 ? undefined : { environments: entries });
  return {
    release: {
      metadata: { name: "shop", namespace: "team", uid: UID, generation: options.generation ?? 1 },
      spec,
      ...(status === undefined ? {} : { status }),
    },
    environments: spec.pipeline.map((name) => {
      const { stored: _stored, missing, ...rest } = envs[name as Env] ?? {};
      return {
        name,
        spec: missing === true ? undefined : ENVIRONMENTS[name as Env],
        tasks: [],
        ...rest,
      };
    }),
  };
}

/** Each action in a line: `Promote dev@abc1234`, `EnsureCheckTask shop-test-security-scan`, `ReleaseLock dev`. */
export function actionLines(decision: ReleaseDecision): string[] {
  return decision.actions.map((a) => {
    switch (a.kind) {
      case "Promote":
      case "ConfirmPromotion":
        return `${a.kind} ${a.environment}@${a.revision}`;
      case "ReleaseLock":
        return `ReleaseLock ${a.environment}`;
      default:
        return `${a.kind} ${a.name}`;
    }
  });
}

/** The environments whose promotion `decision` records: Deploying with the request pending, not so before. */
export function recordedPromotions(input: ReleaseDecisionInput, decision: ReleaseDecision): string[] {
  return (decision.status.environments ?? []).flatMap((entry) => {
    const before = input.release.status?.environments?.find((e) => e.name === entry.name);
    const recorded =
      entry.deliveryRequestPending === true &&
      (before?.deliveryRequestPending !== true || before.revision !== entry.revision);
    return recorded ? [entry.name] : [];
  });
}

/**
 * The invariants every decision keeps, checked independently of the decision's own gate wiring: an environment
 * whose promotion this decision records (Deploying with the request pending, not so before) has its gate (rebuilt
 * here from the input) open and the environment before it Verified; the delivery tool is asked only for a promotion
 * the stored status records; the states
 * never skip (everything after the first environment that is not Verified is Pending); currentEnvironment is that
 * first environment; a Gated environment is never promoted.
 */
export function assertInvariants(input: ReleaseDecisionInput, decision: ReleaseDecision, now: Date): void {
  const { spec } = input.release;
  const entries = decision.status.environments ?? [];
  assert.deepEqual(
    entries.map((e) => e.name),
    spec.pipeline,
    "one entry per pipeline environment, in order",
  );
  const frontier = entries.findIndex((e) => e.state !== "Verified");
  entries.forEach((e, i) => {
    if (frontier >= 0 && i > frontier)
      assert.equal(e.state, "Pending", `${e.name} is past ${entries[frontier]?.name}`);
  });
  const current = frontier >= 0 ? entries[frontier] : entries[entries.length - 1];
  assert.equal(decision.status.currentEnvironment, current?.name);
  assert.equal(decision.status.currentState, current?.state);
  for (const action of decision.actions) {
    if (action.kind !== "Promote" && action.kind !== "ConfirmPromotion") continue;
    const stored = input.release.status?.environments?.find((e) => e.name === action.environment);
    assert.equal(
      stored?.deliveryRequestPending,
      true,
      `${action.environment} is asked for a revision only once its promotion is recorded`,
    );
  }
  for (const name of recordedPromotions(input, decision)) {
    const i = spec.pipeline.indexOf(name);
    const action = { environment: name };
    const env = input.environments.find((e) => e.name === action.environment);
    assert.ok(env?.spec !== undefined, `${action.environment} exists`);
    const previous = i === 0 ? undefined : entries[i - 1];
    if (previous !== undefined)
      assert.equal(previous.state, "Verified", `promoted ${action.environment} skips ${previous.name}`);
    const verdict = decidePromotionGate({
      environment: action.environment,
      ...(previous === undefined
        ? {}
        : { previous: { name: previous.name, state: previous.state, artifact: previous.artifact } }),
      promotesFrom: env.spec.promotesFrom,
      artifact: spec.source.revision,
      ownership: { pass: true, reason: "TargetOwned", message: "owned" },
      requiredChecks: env.spec.gate.requiredChecks.filter((c) => c !== "PostDeployVerification"),
      tasks: env.tasks,
      approvalRequired: env.spec.gate.requiredApprovals > 0,
      ...(env.changeRequest === undefined
        ? {}
        : { changeRequest: { ...env.changeRequest, resolution: env.changeRequest.resolution } }),
      windows: env.spec.gate.windows,
      lockHolder: env.lockHolder,
      lockForged: env.lock?.kind === "Forged" ? env.lock.why : undefined,
      self: SELF,
      now,
    });
    assert.ok(
      verdict.open,
      `promoted ${action.environment} through a closed gate: ${verdict.summary.message}`,
    );
    assert.notEqual(entries[i]?.state, "Gated");
  }
}
