// What kube-apiserver's audit log says about the approval-to-sync path of each release (ADR 0038): the operator's
// writes attributed to the release by the objects they touch (its Release, ChangeRequest, Approval, Application
// and the Events about them), counted by resource with Events apart, and the writes ordered by the API server's
// own stageTimestamp between the approver's decision and the sync request. Pure: the unit tests feed it lines.
import { z } from "zod";
import { AuditLine } from "./audit-counts.js";

/** The fields of an audit.k8s.io/v1 Event this reduction reads: the scale benchmark's, plus names and stageTimestamp. */
export const PathAuditLine = AuditLine.extend({
  objectRef: AuditLine.shape.objectRef
    .unwrap()
    .extend({ name: z.string().optional(), namespace: z.string().optional() })
    .optional(),
  stageTimestamp: z.string(),
});
export type PathAuditLine = z.infer<typeof PathAuditLine>;

const WRITES = new Set(["create", "update", "patch", "delete"]);

/** The objects of one release on the path, by name. */
export interface PathObjects {
  release: string;
  changeRequest: string;
  approval: string;
  application: string;
}

/** One write of the operator on a release's path. */
export interface PathWrite {
  /** `verb resource[/subresource]`, Events as `create events (<object name>)`. */
  kind: string;
  /** Epoch ms of the API server's ResponseComplete. */
  at: number;
  /** Epoch ms the API server received it. */
  receivedAt: number;
  event: boolean;
  conflict: boolean;
  resource: string;
}

/** Epoch milliseconds of an RFC 3339 timestamp with microseconds, as the audit log writes them. */
export const epochMs = (text: string): number => Date.parse(text);

/** Which of the release's objects an audit line is about, if any (Events by the name they are given after it). */
export function touches(line: PathAuditLine, objects: PathObjects): boolean {
  const ref = line.objectRef;
  const name = ref?.name ?? "";
  switch (ref?.resource) {
    case "releases":
      return name === objects.release;
    case "changerequests":
      return name === objects.changeRequest;
    case "approvals":
      return name === objects.approval;
    case "applications":
      return name === objects.application;
    case "events": {
      const about = name.slice(0, name.lastIndexOf("."));
      return [objects.release, objects.changeRequest, objects.approval, objects.application].includes(about);
    }
    default:
      return false;
  }
}

/** The completed writes of `user` on the release's objects, in the order the API server completed them. */
export function writesOn(lines: readonly PathAuditLine[], user: string, objects: PathObjects): PathWrite[] {
  return lines
    .filter(
      (l) =>
        l.user.username === user &&
        l.stage === "ResponseComplete" &&
        WRITES.has(l.verb) &&
        touches(l, objects),
    )
    .map((l) => {
      const resource = l.objectRef?.resource ?? "";
      const sub = l.objectRef?.subresource;
      return {
        kind: `${l.verb} ${resource}${sub === undefined ? "" : `/${sub}`}`,
        at: epochMs(l.stageTimestamp),
        receivedAt: epochMs(l.requestReceivedTimestamp),
        event: resource === "events",
        conflict: l.responseStatus?.code === 409,
        resource,
      };
    })
    .sort((a, b) => a.at - b.at);
}

/** The approval-to-sync path of one release as the audit log saw it. */
export interface ReleasePath {
  /** Epoch ms the API server completed the approver's decision. */
  decisionAt: number;
  /** The operator's writes on the release's objects from the approver's decision on, by kind (Events apart). */
  byKind: Map<string, number>;
  objectWrites: number;
  eventWrites: number;
  conflicts: number;
  /** The operator's object writes completed after the decision and up to the sync request, in order. */
  beforeSync: PathWrite[];
  /** Those of them but the Approval's outcome (its first status write on the path). */
  withoutOutcome: PathWrite[];
  /**
   * Whether the change's resolution (its first status write on the path) completed before the Approval's outcome
   * write: proof, for this release, that the resolution did not wait for the outcome. Undefined when either is
   * missing before the sync request.
   */
  resolutionFirst: boolean | undefined;
}

/**
 * Reduces the audit lines to one release's path. The approver's decision is `approver`'s completed patch of the
 * Approval; the sync request is the operator's last write to the Application received before the watch saw the
 * request (`syncSeenAt`, epoch ms). Throws when the log lacks either.
 */
export function releasePath(
  lines: readonly PathAuditLine[],
  users: { operator: string; approver: string },
  objects: PathObjects,
  syncSeenAt: number,
): ReleasePath {
  const decision = writesOn(lines, users.approver, objects).find(
    (w) => w.resource === "approvals" && !w.conflict,
  );
  if (decision === undefined) throw new Error(`No decision by ${users.approver} on ${objects.approval}.`);
  const writes = writesOn(lines, users.operator, objects).filter((w) => w.at >= decision.at);
  const sync = writes
    .filter((w) => w.resource === "applications" && !w.event && w.receivedAt <= syncSeenAt)
    .at(-1);
  if (sync === undefined) throw new Error(`No sync request by ${users.operator} on ${objects.application}.`);
  const byKind = new Map<string, number>();
  for (const w of writes) {
    const kind = w.event ? "create events" : w.kind;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const beforeSync = writes.filter((w) => !w.event && w.at <= sync.at);
  const outcome = beforeSync.find((w) => w.resource === "approvals" && w.kind.endsWith("/status"));
  const resolution = beforeSync.find((w) => w.resource === "changerequests" && w.kind.endsWith("/status"));
  return {
    decisionAt: decision.at,
    byKind,
    objectWrites: writes.filter((w) => !w.event).length,
    eventWrites: writes.filter((w) => w.event).length,
    conflicts: writes.filter((w) => w.conflict).length,
    beforeSync,
    withoutOutcome: beforeSync.filter((w) => w !== outcome),
    resolutionFirst:
      outcome === undefined || resolution === undefined ? undefined : resolution.at < outcome.at,
  };
}
