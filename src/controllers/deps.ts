import type { AuditRecorder } from "../audit/recorder.js";
import type { LoadedAuthorPolicy } from "../commits/author-policy.js";
import type { Clock } from "../runtime/clock.js";
import type { EventRecorder } from "../runtime/events.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import type { RollbackSeal } from "./rollback/seal.js";
import type { RuntimeMetrics } from "../runtime/metrics.js";

/**
 * What every controller is built from: the one client, logger, metrics, event recorder, audit trail and clock.
 */
export interface ControllerDeps {
  client: KubeClient;
  log: Logger;
  metrics: RuntimeMetrics;
  events: EventRecorder;
  /** The append-only audit trail; controllers record the decisions an auditor must be able to read back. */
  audit: AuditRecorder;
  clock: Clock;
  /**
   * The user name the API server authenticates the operator as (from a SelfSubjectReview, learned before any
   * controller starts). An object is believed to be the operator's own only when admission stamped this identity.
   */
  operatorIdentity: () => string;
  /** Where separation of duties reads commit authors and maps them to users (`--commit-authors-config`). */
  authorPolicy?: LoadedAuthorPolicy | undefined;
  /**
   * Seals the Rollback tasks the operator opens and checks them: only sealed tasks (or the rollback owner's) may
   * roll back or hold an environment. One per process, from `--rollback-seal-key-file`.
   */
  rollbackSeal: RollbackSeal;
  workers: number;
  informer: {
    namespace?: string;
    resyncMs: number;
    stallTimeoutMs: number;
  };
}
