import type { CallOptions } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ReconcileRequest, ReconcileResult } from "../../runtime/controller.js";
import type { ControllerDeps } from "../deps.js";
import { convergeTask } from "../fresh-task.js";
import { resources } from "../resources.js";
import { applyItem } from "./apply.js";
import { observeTarget, readRollbackContext, readTask, type GatherDeps } from "./gather.js";
import { ROLLBACK_TASK_ANNOTATION, VALIDATION_ANNOTATION } from "./reasons.js";
import { decideValidation, type ValidationDecision, type ValidationInput } from "./validation.js";

const VALIDATION_SUFFIX = "-validation";
const MAX_ATTEMPTS = 3;

/** The Rollback task a validation task validates: its annotation, else its name without `-validation`. */
function rollbackTaskOf(task: KubeObject): string | undefined {
  const named = task.metadata.annotations?.[ROLLBACK_TASK_ANNOTATION];
  if (named !== undefined) return named;
  const name = task.metadata.name;
  return name.endsWith(VALIDATION_SUFFIX) ? name.slice(0, -VALIDATION_SUFFIX.length) : undefined;
}

/** Reads what one look at a RollbackValidation task needs; the target live, everything else from the caches. */
async function gatherValidation(
  ctx: GatherDeps,
  task: KubeObject,
  opts: CallOptions,
): Promise<ValidationInput | undefined> {
  const read = readRollbackContext(ctx.informers, task);
  if (read === undefined) return undefined;
  const { namespace, release, target, previous, rolledBackRevision } = read;
  const rollbackName = rollbackTaskOf(task);
  const rollbackObj =
    rollbackName === undefined
      ? undefined
      : ctx.informers.deploymentTasks.store.get(`${namespace}/${rollbackName}`);
  const rollback = rollbackObj === undefined ? undefined : readTask(rollbackObj);
  const input: ValidationInput = {
    task: {
      namespace,
      name: task.metadata.name,
      uid: task.metadata.uid,
      generation: task.metadata.generation,
      spec: read.spec,
      phase: read.phase,
      recorded: task.metadata.annotations?.[VALIDATION_ANNOTATION],
    },
    ...(rollback === undefined || rollbackName === undefined
      ? {}
      : { rollback: { name: rollbackName, phase: rollback.phase, alert: rollback.spec.alert } }),
    ...(release === undefined ? {} : { release: release.name }),
    ...(target === undefined ? {} : { target }),
    ...(previous === undefined ? {} : { previous }),
    ...(rolledBackRevision === undefined ? {} : { rolledBackRevision }),
  };
  const waiting = read.spec.type === "RollbackValidation" && rollback?.phase === "Succeeded";
  if (target !== undefined && waiting && read.phase !== "Succeeded") {
    input.delivery = await observeTarget(ctx, target, previous?.revision, undefined, opts);
  }
  return input;
}

/**
 * Converges one RollbackValidation task: completes its item when the rolled-back target is healthy on the previous
 * revision and the alert resolved, else records why it waits (once per reason) and looks again later. The
 * completion is confirmed against a fresh read, audited (under a transition), written, then announced.
 */
export async function reconcileValidation(
  ctx: GatherDeps & { deps: ControllerDeps },
  req: ReconcileRequest,
  cached: KubeObject,
): Promise<ReconcileResult> {
  const { deps } = ctx;
  const rt = resources.deploymentTask;
  const opts = { signal: req.signal };
  return convergeTask<Exclude<ValidationDecision, { kind: "Skip" }>>(cached, {
    client: deps.client,
    req,
    opts,
    maxAttempts: MAX_ATTEMPTS,
    async decide(task) {
      const input = await gatherValidation(ctx, task, opts);
      if (input === undefined) return { done: {} };
      const decision: ValidationDecision = decideValidation(input, deps.clock.now());
      if (decision.kind === "Skip") {
        req.log.debug(
          { reason: decision.reason, detail: decision.message },
          "Left the validation task alone",
        );
        return { done: {} };
      }
      const writesTask = decision.kind === "Complete" || decision.annotation !== undefined;
      return { decision, writesTask };
    },
    async write(task, decision) {
      if (decision.kind === "Wait") {
        if (decision.annotation !== undefined) {
          const written = await applyItem(
            deps.client,
            task,
            { key: VALIDATION_ANNOTATION, value: decision.annotation },
            undefined,
            opts,
          );
          if (decision.event !== undefined) await deps.events.record(rt, written, decision.event, opts);
          req.log.info({ reason: decision.reason }, "Left the rollback validation open");
        }
        return { requeueAfterMs: decision.requeueAfterMs };
      }
      // On record before the item says so, under the task's transition: a crash or a conflict in between is
      // decided again and the store keeps one entry (ADR 0031).
      await deps.audit.record(decision.audit);
      const written = await applyItem(
        deps.client,
        task,
        { key: VALIDATION_ANNOTATION, value: decision.annotation },
        decision.item,
        opts,
      );
      await deps.events.record(rt, written, decision.event, opts);
      req.log.info({}, "Validated the rollback");
      return {};
    },
  });
}
