import type { FieldPath } from "../runtime/informer/transform.js";

/**
 * What Argo CD keeps in an Application's status for its own UI and history, and no reader of Stagegate's cache
 * reads: the tree of managed resources (`resources`, one entry per object the application deploys), the images and
 * links (`summary`), past syncs (`history`, up to ten), and the resources of the last sync's result. Stagegate reads
 * `sync`, `health` and `operationState` (`src/gitops/argocd.ts`, `ArgoApplication`); the cache transform drops these
 * (ADR 0034), and tests/unit/controllers/delivery-unread.test.ts fails when an adapter's schema names one of them.
 */
export const ARGOCD_UNREAD_STATUS: readonly FieldPath[] = [
  ["status", "resources"],
  ["status", "summary"],
  ["status", "history"],
  ["status", "operationState", "syncResult", "resources"],
];

/**
 * What a Flux Kustomization keeps in its status and no reader of the cache reads: its inventory, one entry per
 * object it applied. Stagegate reads its conditions and revisions (`src/gitops/flux.ts`, `FluxObject`).
 */
export const FLUX_KUSTOMIZATION_UNREAD_STATUS: readonly FieldPath[] = [["status", "inventory"]];
