import { z } from "zod";
import { Condition } from "../api/v1alpha1/condition.js";
import type { Clock } from "./clock.js";
import { setCondition } from "./conditions.js";
import type { TerminalError } from "./errors.js";
import type { EventRecorder } from "./events.js";
import type { CallOptions, KubeClient } from "./kube/client.js";
import type { KubeObject } from "./kube/object.js";
import type { ResourceType } from "./kube/resource.js";
import { updateStatus } from "./status-writer.js";

const StatusWithConditions = z.looseObject({ conditions: z.array(Condition).optional() });

/**
 * Records a terminal error on the object itself: a `Stalled` condition (True, the error's reason and message)
 * in its status, keeping everything else there, and a Warning event the first time. Nothing retries until the
 * object changes.
 */
export async function markStalled(
  deps: { client: KubeClient; events: EventRecorder; clock: Clock },
  rt: ResourceType,
  obj: KubeObject,
  err: TerminalError,
  opts: CallOptions = {},
): Promise<void> {
  const { written } = await updateStatus(
    deps.client,
    rt,
    obj,
    (current) => {
      const parsed = StatusWithConditions.safeParse(current.status ?? {});
      const status = parsed.success ? parsed.data : {};
      const conditions = setCondition(
        status.conditions,
        {
          type: "Stalled",
          status: "True",
          reason: err.reason,
          message: err.message,
          observedGeneration: current.metadata.generation,
        },
        deps.clock.now(),
      );
      return { status: { ...status, conditions } };
    },
    opts,
  );
  if (written)
    await deps.events.record(rt, obj, { type: "Warning", reason: err.reason, message: err.message });
}
