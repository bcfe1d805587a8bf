import { ChangeRequestSpec } from "../../api/v1alpha1/change-request.js";
import { transitionId, type AuditEvent } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";

/** The requester of a change admission did not stamp (created while the webhooks were not serving). */
const UNSTAMPED = "unknown (spec.requestedBy was not stamped)";

/** What `ChangeRequested` is built from: the stored change's identity and spec. */
export interface RequestedChange {
  metadata: { name: string; namespace?: string | undefined; uid?: string | undefined };
  spec: ChangeRequestSpec;
}

/**
 * `ChangeRequested`, as stored: by the requester the admission webhook stamped into `spec.requestedBy` (immutable
 * after), about the change with its uid, under the transition `ChangeRequest/<uid>/ChangeRequested/r0/`. The
 * ChangeRequest controller records it on its first pass; whoever created the change and must show it first (the
 * break-glass rollback) records the same entry, and the store keeps one (ADR 0031).
 */
export function changeRequestedEvent(change: RequestedChange): AuditEvent {
  const { metadata, spec } = change;
  const { uid } = metadata;
  const requester = spec.requestedBy;
  return {
    actor: requester?.username ?? UNSTAMPED,
    action: "ChangeRequested",
    object: {
      kind: "ChangeRequest",
      namespace: metadata.namespace ?? "",
      name: metadata.name,
      ...(uid === undefined ? {} : { uid }),
    },
    details: {
      message:
        `Requested a ${spec.type} change to ${spec.environment}` +
        (spec.releaseRef === undefined ? "." : ` for release ${spec.releaseRef.name}.`),
      changeRequest: metadata.name,
      environment: spec.environment,
      type: spec.type,
      release: spec.releaseRef?.name ?? null,
      requestedBy: requester ?? null,
    },
    ...(uid === undefined
      ? {}
      : { transition: transitionId("ChangeRequest", uid, "ChangeRequested", "r0", "") }),
  };
}

/** `ChangeRequested` of a stored ChangeRequest object; undefined when its spec cannot be read. */
export function changeRequestedOf(obj: KubeObject): AuditEvent | undefined {
  const spec = ChangeRequestSpec.safeParse(obj.spec);
  return spec.success ? changeRequestedEvent({ metadata: obj.metadata, spec: spec.data }) : undefined;
}
