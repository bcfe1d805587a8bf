import type { AlertEvidence } from "../../api/v1alpha1/deployment-task.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { describeTarget } from "../drift-check/evidence.js";

/**
 * The sentences the rollback controller writes on tasks, in events and in evidence: what a person reads to know
 * what happened and what to do.
 */

/** `alert HighErrorRate (fingerprint 3fa1c2)`, or `a failed post-deploy verification` without an alert. */
export function describeCause(alert: AlertEvidence | undefined): string {
  if (alert === undefined) return "a failed post-deploy verification";
  return `alert ${alert.name ?? "(unnamed)"} (fingerprint ${alert.fingerprint})`;
}

/** How a person rolls a target back to `revision` with its own tool, as a command they can copy. */
export function manualCommand(target: ReleaseTarget, revision: string): string {
  if (target.argoCD !== undefined) {
    const { name, namespace } = target.argoCD;
    return target.argoCD.mode === "PinTargetRevision"
      ? `set spec.source.targetRevision of Application ${namespace}/${name} to ${revision}`
      : `argocd app sync ${namespace}/${name} --revision ${revision}`;
  }
  const flux = target.flux;
  if (flux === undefined) return `deploy revision ${revision}`;
  if (flux.kind === "HelmRelease") {
    return (
      `set spec.chart.spec.version of HelmRelease ${flux.namespace}/${flux.name} to ${revision}, then ` +
      `flux reconcile helmrelease ${flux.name} -n ${flux.namespace}`
    );
  }
  return (
    `pin the Kustomization's GitRepository to commit ${revision} (spec.ref.commit), then ` +
    `flux reconcile kustomization ${flux.name} -n ${flux.namespace} --with-source`
  );
}

/** Where the rollback goes: `revision 1a2b3c4 (last Verified by release shop/shop-1)`. */
export function describePrevious(previous: { revision: string; release: string } | undefined): string {
  return previous === undefined
    ? "the previous revision (Stagegate knows of no earlier Verified release on this target)"
    : `revision ${previous.revision} (last Verified there by release ${previous.release})`;
}

/**
 * The evidence a reviewer reads on a completed rolled-back item: which object, which tool, at which revision,
 * when. For example: "Argo CD Application argocd/shop-prod runs revision 1a2b3c4, in sync and healthy, at
 * 2026-11-26T10:00:00Z, after Stagegate rolled it back from revision 9f8e7d6."
 */
export function rolledBackNotes(target: ReleaseTarget, revision: string, from: string, at: string): string {
  return (
    `${describeTarget(target)} runs revision ${revision}, in sync and healthy, at ${at}, after Stagegate ` +
    `rolled it back from revision ${from}.`
  );
}

/** A message as the end of a sentence: trimmed, with a final period. */
export function sentenceOf(message: string): string {
  const text = message.trim();
  if (text === "") return "no details were given.";
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
