import { EACH_ITEM, type FieldPath } from "../runtime/informer/transform.js";

/**
 * What a DeploymentTask holds for the person doing the work and no reader of Stagegate's cache reads: its
 * description and the description of each checklist item. Both are optional in `DeploymentTaskSpec`, so a cached spec
 * still parses; the controllers, webhooks and listeners read a task's type, title, owners, dependencies, due time,
 * checklist states and evidence, log, alert, binding and hand-overs. The archive reads a closed task live before
 * sealing it (ADR 0058), so its document keeps them; tests/unit/controllers/cache-trimming-kinds.test.ts checks what
 * the cache keeps.
 */
export const DEPLOYMENT_TASK_UNREAD_SPEC: readonly FieldPath[] = [
  ["spec", "description"],
  ["spec", "checklist", EACH_ITEM, "description"],
];
