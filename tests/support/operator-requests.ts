// The requests one identity made to kube-apiserver, read from the server's own audit log and sorted into what the
// write budget of a promotion counts: object writes, Event writes, and reads of the objects a pass may read live.
import type { AuditEvent } from "./apiserver-audit.js";
import { permissionOf } from "./apiserver-audit.js";

/** The verbs that change an object (a refused write costs the API server as much as one it accepts). */
const WRITE_VERBS: ReadonlySet<string> = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** One identity's completed requests, sorted for a budget. */
export interface RequestTally {
  /** Writes of anything but Events, as `verb group/resource[/subresource] code`. */
  objectWrites: string[];
  /** Event creations. */
  eventWrites: string[];
  /** Every completed request, as `verb group/resource[/subresource]`, with its count. */
  byPermission: Record<string, number>;
  /** Single-object GETs, by `group/resource`. */
  gets: Record<string, number>;
}

/** Whether a request is an Event write (core or events.k8s.io). */
function isEventWrite(event: AuditEvent): boolean {
  return WRITE_VERBS.has(event.verb) && event.objectRef?.resource === "events";
}

/** The completed requests of `user` in `events` (all of them, or those from index `from` on), sorted. */
export function tallyRequests(events: readonly AuditEvent[], user: string, from = 0): RequestTally {
  const tally: RequestTally = { objectWrites: [], eventWrites: [], byPermission: {}, gets: {} };
  for (const event of events.slice(from)) {
    if (event.user.username !== user || event.stage !== "ResponseComplete") continue;
    const permission = permissionOf(event);
    tally.byPermission[permission] = (tally.byPermission[permission] ?? 0) + 1;
    const line = `${permission} ${event.responseStatus?.code ?? "?"}`;
    if (isEventWrite(event)) tally.eventWrites.push(line);
    else if (WRITE_VERBS.has(event.verb)) tally.objectWrites.push(line);
    const ref = event.objectRef;
    if (event.verb === "get" && ref?.resource !== undefined && ref.name !== undefined) {
      const key = `${ref.apiGroup ?? ""}/${ref.resource}`;
      tally.gets[key] = (tally.gets[key] ?? 0) + 1;
    }
  }
  return tally;
}
