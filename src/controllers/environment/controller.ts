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
import {
  deliveryObjectEventKeys,
  deliveryObjectSeen,
  deliveryOverlaps,
  overlapCondition,
  type DeliveryObjectSeen,
} from "./delivery-overlap.js";
import { deliveryScopesOf } from "./delivery-scopes.js";
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

  const deliveryScopes = deliveryScopesOf(environments.store);

  const deliveryInformers = [
    ["Application", informers.argoCDApplications],
    ["Kustomization", informers.fluxKustomizations],
    ["HelmRelease", informers.fluxHelmReleases],
  ] as const;

  function deliveryObjects(): DeliveryObjectSeen[] {
    return deliveryInformers.flatMap(([kind, informer]) =>
      informer.store.list().map((obj) => deliveryObjectSeen(kind, obj)),
    );
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

    const overlaps = deliveryOverlaps(obj.metadata.name, deliveryScopes(), deliveryObjects());
    const { written, decision } = await updateStatus(
      deps.client,
      rt,
      obj,
      (current) => {
        const previous = EnvironmentStatus.safeParse(current.status ?? {});
        const decided = decideEnvironment(
          { metadata: current.metadata, status: previous.success ? previous.data : undefined },
          placement,
          now,
        );
        const conditions = overlapCondition(
          decided.status.conditions,
          overlaps,
          current.metadata.generation,
          now,
        );
        return { ...decided, status: { ...decided.status, conditions } };
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
      // Any environment changing may reorder the pipeline or move its scope; a delivery object event wakes only
      // the environments whose overlap it can change (see deliveryObjectEventKeys): a pass looks over every
      // delivery object, so waking on each of 10,000 creations made the work quadratic.
      watches: [
        { informer: environments, toKeys: () => environments.store.keys() },
        ...deliveryInformers.map(([kind, informer]) => ({
          informer,
          toKeys: deliveryObjectEventKeys(kind, deliveryScopes),
        })),
      ],
      onTerminalError: async (req, err) => {
        const obj = environments.store.get(req.key);
        if (obj !== undefined) await markStalled(deps, rt, obj, err, { signal: req.signal });
      },
    },
    deps.log,
    deps.metrics,
  );
}
