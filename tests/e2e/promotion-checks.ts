// The checks the governed-promotion end-to-end test makes at each gate, bound to one namespace: that a gated
// target got no lock and no delivery request, that a release waits for exactly the expected reasons, who owns a
// task, which Approval a change opened, and that an Event about a release was recorded.
import assert from "node:assert/strict";
import { ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { DeploymentTaskSpec } from "../../src/api/v1alpha1/deployment-task.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { resources } from "../../src/controllers/resources.js";
import { fluxGitRepository, RECONCILE_REQUESTED_AT } from "../../src/gitops/flux.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { waitFor } from "../support/kube.js";
import {
  readTargetObject,
  STEP_TIMEOUT_MS,
  waitForEnvironment,
  type ReleasePlan,
} from "./promotion-world.js";

/** The checks of {@link gateChecks}. */
export interface GateChecks {
  /** The target of `plan` in `env` got no lock and no delivery request: nothing went past the gate. */
  assertNotRequested(plan: ReleasePlan, env: string): Promise<void>;
  /** Waits until `plan` is Gated in `env` with exactly as many reasons as patterns, each matching one. */
  waitGated(plan: ReleasePlan, env: string, expected: RegExp[]): Promise<void>;
  /** The owners of a task as `Kind:name`. */
  taskOwners(task: string): Promise<string[]>;
  /** The Approval of the change's current round, once the operator opened it. */
  approvalOf(change: string): Promise<string>;
  /** Waits for an events.k8s.io Event of `type` and `reason` regarding the Release `release`. */
  waitForReleaseEvent(release: string, type: "Normal" | "Warning", reason: string): Promise<KubeObject>;
}

/** The gate checks of the namespace `ns`, reading as `admin`. */
export function gateChecks(admin: KubeClient, ns: string): GateChecks {
  return {
    async assertNotRequested(plan, env) {
      const name = plan.objects[env] ?? "";
      const obj = await readTargetObject(admin, ns, plan.tool, name);
      assert.equal(obj.metadata.annotations?.[LOCK_ANNOTATION], undefined, `${name} must not be locked`);
      if (plan.tool === "argoCD") {
        assert.equal(obj.operation, undefined, `${name} must carry no sync operation`);
        return;
      }
      assert.equal(obj.metadata.annotations?.[RECONCILE_REQUESTED_AT], undefined, `${name}: no reconcile`);
      const repo = await admin.get(fluxGitRepository, name, ns);
      const ref = (repo.spec as { ref: { commit?: string } }).ref;
      assert.equal(ref.commit, undefined, `${name}: no pinned commit`);
    },

    async waitGated(plan, env, expected) {
      await waitForEnvironment(admin, ns, plan.name, env, `to be Gated by ${expected.join(", ")}`, (e) => {
        const reasons = e.reasons ?? [];
        return (
          e.state === "Gated" &&
          reasons.length === expected.length &&
          expected.every((pattern) => reasons.some((r) => pattern.test(r)))
        );
      });
    },

    async taskOwners(task) {
      const spec = DeploymentTaskSpec.parse((await admin.get(resources.deploymentTask, task, ns)).spec);
      return spec.owners.map((o) => `${o.kind}:${o.name}`);
    },

    approvalOf(change) {
      return waitFor(
        `ChangeRequest ${change} to open its Approval`,
        async () => {
          const obj = await admin.get(resources.changeRequest, change, ns);
          return ChangeRequestStatus.parse(obj.status ?? {}).approvalRef?.name;
        },
        { timeoutMs: STEP_TIMEOUT_MS },
      );
    },

    waitForReleaseEvent(release, type, reason) {
      return waitFor(
        `a ${type} event ${reason} about Release ${release}`,
        async () => {
          const { items } = await admin.list(builtin.event, { namespace: ns });
          return items.find((item) => {
            const e = item as {
              type?: string;
              reason?: string;
              regarding?: { kind?: string; name?: string };
            };
            const about = e.regarding?.kind === "Release" && e.regarding.name === release;
            return about && e.type === type && e.reason === reason;
          });
        },
        { timeoutMs: STEP_TIMEOUT_MS },
      );
    },
  };
}
