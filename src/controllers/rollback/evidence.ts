import type { KubeObject } from "../../runtime/kube/object.js";
import { provenCreator, type CreatorProof } from "../task-creator.js";
import {
  ROLLBACK_ORIGIN_ANNOTATION,
  ROLLBACK_POLICY_ANNOTATION,
  ROLLBACK_SEAL_ANNOTATION,
  type RollbackMode,
  type RollbackOrigin,
  type RollbackSeal,
} from "./seal.js";

/**
 * Whether a Rollback task may roll back or hold an environment, and on whose word: the operator opened it (from an
 * alert or a failed verification; proven by its seal), or the release's rollback owner created it (proven by the
 * creator stamped at admission, see {@link trustedCreator}). Anything else is refused with the reason; a task the
 * rollback owner's stamp proves while the admission controls are not intact waits (`awaiting`) instead.
 */
export type RollbackEvidence =
  | { opened: true; by: RollbackOrigin; policy: RollbackMode }
  | { opened: true; by: "RollbackOwner"; creator: string }
  | { opened: false; reason: string; awaiting?: "AdmissionControls" };

/** The admission guard's verdict (see `admissionControlsIntact`): whether the webhooks stamp as shipped. */
export interface AdmissionVerdict {
  intact: boolean;
  message: string;
}

/**
 * Who created a DeploymentTask, as stamped at admission from the authenticated request and sealed with the
 * operator's key (see `provenCreator`), trusted only while the admission guard finds the webhooks registered as
 * shipped: a stamp is the server's word only while the server calls them. The seal keeps a stamp typed while they
 * were off from verifying after they are back.
 */
export function trustedCreator(
  seal: RollbackSeal | undefined,
  task: KubeObject,
  admission: AdmissionVerdict,
): CreatorProof & { admission?: string } {
  const proof = provenCreator(seal?.creators, task);
  if (!proof.proven || admission.intact) return proof;
  return {
    proven: false,
    creator: proof.creator,
    why: `its creator stamp cannot be believed now: ${admission.message}`,
    admission: admission.message,
  };
}

/** The release a Rollback task names, as the cache holds it now (its UID is what the seal binds). */
export interface EvidenceRelease {
  name: string;
  uid: string | undefined;
  rollbackOwner: string;
}

const ORIGINS: readonly string[] = ["Alert", "Verification"];
const MODES: readonly string[] = ["Automatic", "Manual", "Disabled"];

/**
 * Reads the evidence of one Rollback task: its seal checked against the Release as it is now (same name and UID)
 * and the task's own namespace, name and environment; failing that, a creator stamp naming the rollback owner,
 * believed while `admission` is intact (see {@link trustedCreator}). Pure; never throws.
 */
export function rollbackEvidence(
  seal: RollbackSeal | undefined,
  task: KubeObject,
  environment: string | undefined,
  release: EvidenceRelease | undefined,
  admission: AdmissionVerdict,
): RollbackEvidence {
  if (release === undefined || environment === undefined) {
    return { opened: false, reason: "it names no existing release and environment" };
  }
  const annotations = task.metadata.annotations ?? {};
  const mac = annotations[ROLLBACK_SEAL_ANNOTATION];
  const origin = annotations[ROLLBACK_ORIGIN_ANNOTATION];
  const policy = annotations[ROLLBACK_POLICY_ANNOTATION];
  if (
    seal !== undefined &&
    mac !== undefined &&
    origin !== undefined &&
    ORIGINS.includes(origin) &&
    policy !== undefined &&
    MODES.includes(policy)
  ) {
    const facts = {
      namespace: task.metadata.namespace ?? "",
      name: task.metadata.name,
      release: { name: release.name, uid: release.uid },
      environment,
      origin: origin as RollbackOrigin,
      policy: policy as RollbackMode,
    };
    if (seal.verify(facts, mac)) return { opened: true, by: facts.origin, policy: facts.policy };
  }
  const creator = trustedCreator(seal, task, admission);
  if (creator.proven && creator.creator === release.rollbackOwner) {
    return { opened: true, by: "RollbackOwner", creator: creator.creator };
  }
  const why =
    mac === undefined
      ? "it carries no seal of the operator"
      : `its seal (${ROLLBACK_SEAL_ANNOTATION}) does not prove the operator opened it for release ${release.name} in this namespace and environment`;
  const rule =
    "Only Rollback tasks the operator opened (from an Alertmanager alert or a failed post-deployment " +
    "verification) or the rollback owner created may roll back or hold an environment";
  if (!creator.proven && creator.admission !== undefined && creator.creator === release.rollbackOwner) {
    return {
      opened: false,
      awaiting: "AdmissionControls",
      reason:
        `it was created by the rollback owner ${release.rollbackOwner}, but ${creator.why}. It is acted on once ` +
        "the admission controls are intact again",
    };
  }
  const who = creator.proven
    ? `it was created by ${creator.creator}, not by the rollback owner ${release.rollbackOwner}`
    : `${creator.why}, so it is not proven to come from the rollback owner ${release.rollbackOwner}`;
  return { opened: false, reason: `${why}, and ${who}. ${rule}` };
}

const STRICTNESS: Record<RollbackMode, number> = { Disabled: 0, Manual: 1, Automatic: 2 };

/**
 * The policy a task is acted on under: the stricter of the policy sealed when the operator opened it and the
 * release's policy now, so switching to Automatic after an alert rolls nothing back (a policy change is not an
 * alert) while switching to Disabled still holds. A rollback owner's own task follows the policy now.
 */
export function effectivePolicy(evidence: RollbackEvidence, current: RollbackMode): RollbackMode {
  if (!evidence.opened || evidence.by === "RollbackOwner") return current;
  return STRICTNESS[evidence.policy] < STRICTNESS[current] ? evidence.policy : current;
}
