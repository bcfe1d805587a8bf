import type { RollbackDecision } from "./decision-types.js";
import { POLICY_NOTED_ANNOTATION, ROLLBACK_ANNOTATION, ROLLBACK_STARTED_ANNOTATION } from "./reasons.js";

/** A step the rollback controller records on a Rollback task (see {@link RollbackDecision.record}). */
export type StepRecord = NonNullable<RollbackDecision["record"]>;

/** What recording a step sets on a task: its annotations, and the whole log when the step adds an entry. */
export interface StepFields {
  annotations: Record<string, string>;
  log?: unknown[];
}

/**
 * What recording `record` on a task whose log is `log` sets: the step (`stagegate.io/rollback`), its start time and
 * the policy it noted when it has them, and the log with the step's entry appended. Pure. The controller's patch and
 * the receiver's create (ADR 0067) both record a step through it, so a notice reads alike however it was written.
 */
export function stepFields(log: unknown, record: StepRecord): StepFields {
  const existing: unknown[] = Array.isArray(log) ? (log as unknown[]) : [];
  return {
    annotations: {
      [ROLLBACK_ANNOTATION]: record.annotation,
      ...(record.startedAt === undefined ? {} : { [ROLLBACK_STARTED_ANNOTATION]: record.startedAt }),
      ...(record.policyNoted === undefined ? {} : { [POLICY_NOTED_ANNOTATION]: record.policyNoted }),
    },
    ...(record.log === undefined ? {} : { log: [...existing, record.log] }),
  };
}

/** A task body as it is created: metadata and spec kept as-is (the API server's schema judges them). */
export interface TaskBodyFields {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

/**
 * `body` (a task not created yet) with `record` on it, exactly as a patch of the created task would record it (see
 * {@link stepFields}): the step's annotations beside the body's own, the log with the step's entry. Pure; a new object.
 */
export function withStep<T extends TaskBodyFields>(body: T, record: StepRecord): T {
  const fields = stepFields(body.spec.log, record);
  const annotations = body.metadata.annotations;
  const own = typeof annotations === "object" && annotations !== null ? annotations : {};
  return {
    ...body,
    metadata: { ...body.metadata, annotations: { ...own, ...fields.annotations } },
    spec: fields.log === undefined ? body.spec : { ...body.spec, log: fields.log },
  };
}
