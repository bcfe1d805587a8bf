import { EnvironmentSpec, EnvironmentStatus } from "../../api/v1alpha1/environment.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { TerminalError } from "../../runtime/errors.js";
import { markStalled } from "../../runtime/stalled.js";
import { updateStatus } from "../../runtime/status-writer.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { describeZodError } from "../validation.js";
import { decideEnvironment } from "./decide.js";
import { checkGateDefinition, withGateDefinition } from "./definition.js";
import { decideEnvironmentOrder, type EnvironmentLink } from "./order.js";

/**
 * The Environment controller: places each environment in the pipeline from every environment's promotesFrom
 * links and reports unknown predecessors and cycles on the environments concerned, then reports a gate that
 * cannot work as written (a window that does not parse, required approvals with nobody to give them). Any
 * environment changing wakes all of them, because one edit can reorder the whole pipeline.
 */
export function createEnvironmentController(deps: ControllerDeps, informers: Informers): Controller {
  const environments = informers.environments;
  const rt = resources.environment;

  function links(): EnvironmentLink[] {
    return environments.store.list().flatMap((obj) => {
      const spec = EnvironmentSpec.safeParse(obj.spec);
      return spec.success ? [{ name: obj.metadata.name, promotesFrom: spec.data.promotesFrom }] : [];
    });
  }

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const obj = environments.store.get(req.key);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) return {};
    const spec = EnvironmentSpec.safeParse(obj.spec);
    if (!spec.success) throw new TerminalError("InvalidSpec", describeZodError("spec", spec.error));
    const placed = decideEnvironmentOrder(links()).get(obj.metadata.name);
    if (placed === undefined) return {};
    const now = deps.clock.now();
    const placement = withGateDefinition(placed, checkGateDefinition(spec.data, now));

    const { written, decision } = await updateStatus(
      deps.client,
      rt,
      obj,
      (current) => {
        const previous = EnvironmentStatus.safeParse(current.status ?? {});
        return decideEnvironment(
          { metadata: current.metadata, status: previous.success ? previous.data : undefined },
          placement,
          now,
        );
      },
      { signal: req.signal },
    );
    if (written) {
      for (const event of decision.events) await deps.events.record(rt, obj, event, { signal: req.signal });
    }
    return {};
  }

  return new Controller(
    {
      name: "environment",
      primary: environments,
      workers: deps.workers,
      reconcile,
      watches: [{ informer: environments, toKeys: () => environments.store.keys() }],
      onTerminalError: async (req, err) => {
        const obj = environments.store.get(req.key);
        if (obj !== undefined) await markStalled(deps, rt, obj, err, { signal: req.signal });
      },
    },
    deps.log,
    deps.metrics,
  );
}
