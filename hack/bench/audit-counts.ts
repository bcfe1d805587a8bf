// The independent count of what each identity asked of the API server: kube-apiserver's own audit log (one JSON
// line per request at the Metadata level, see tests/support/apiserver-audit.ts) reduced to counts by verb and
// resource, with Events, lease renewals and 409 answers told apart. Pure: the unit tests feed it lines.
import { z } from "zod";

/** The fields of an audit.k8s.io/v1 Event this benchmark reads; everything else is dropped when parsed. */
export const AuditLine = z.object({
  stage: z.string(),
  verb: z.string(),
  user: z.object({ username: z.string() }),
  objectRef: z
    .looseObject({
      apiGroup: z.string().optional(),
      resource: z.string().optional(),
      subresource: z.string().optional(),
    })
    .optional(),
  responseStatus: z.object({ code: z.number().optional() }).optional(),
  requestReceivedTimestamp: z.string(),
});
export type AuditLine = z.infer<typeof AuditLine>;

const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);
/** Resources whose "create" is a question to the API server, never stored: authentication and authorisation checks. */
const REVIEWS = new Set([
  "tokenreviews",
  "subjectaccessreviews",
  "selfsubjectaccessreviews",
  "localsubjectaccessreviews",
  "selfsubjectreviews",
]);

/** Whether a request changed (or tried to change) stored state; reviews (TokenReview, SubjectAccessReview) do not. */
export const isWrite = (line: AuditLine): boolean =>
  WRITE_VERBS.has(line.verb) && !REVIEWS.has(line.objectRef?.resource ?? "");

/** What one identity asked for in a window, from the completed requests of the audit log. */
export interface RequestCounts {
  /** `verb resource[/subresource]` -> requests, writes and live GETs (everything but list/watch). */
  readonly byRequest: Map<string, number>;
  /** Writes other than Events and Lease renewals: the object writes a promotion costs. */
  objectWrites: number;
  /** Writes of Events (core/v1 and events.k8s.io). */
  eventWrites: number;
  /** Writes of coordination.k8s.io Leases (leader election renewals). */
  leaseWrites: number;
  /** Writes of any kind answered 409 Conflict. */
  conflicts: number;
  /** GETs of single objects (live reads that bypass the cache). */
  liveGets: number;
  /** Lists (informer relists included). */
  lists: number;
}

/** Counts with nothing in them. */
export function emptyCounts(): RequestCounts {
  return {
    byRequest: new Map(),
    objectWrites: 0,
    eventWrites: 0,
    leaseWrites: 0,
    conflicts: 0,
    liveGets: 0,
    lists: 0,
  };
}

/** `verb resource[/subresource]`, the row a request is counted in. */
export function requestKind(line: AuditLine): string {
  const ref = line.objectRef;
  if (ref?.resource === undefined) return `${line.verb} (non-resource)`;
  return `${line.verb} ${ref.resource}${ref.subresource === undefined ? "" : `/${ref.subresource}`}`;
}

/**
 * Adds one audit line to `counts` when it is a completed request of `user` (watches, whose stream only ends
 * later, are not requests this benchmark counts). Returns whether it counted.
 */
export function countLine(counts: RequestCounts, line: AuditLine, user: string): boolean {
  if (line.user.username !== user || line.stage !== "ResponseComplete" || line.verb === "watch") return false;
  const kind = requestKind(line);
  counts.byRequest.set(kind, (counts.byRequest.get(kind) ?? 0) + 1);
  if (line.verb === "get") counts.liveGets++;
  if (line.verb === "list") counts.lists++;
  if (!isWrite(line)) return true;
  const resource = line.objectRef?.resource;
  if (resource === "events") counts.eventWrites++;
  else if (resource === "leases") counts.leaseWrites++;
  else counts.objectWrites++;
  if (line.responseStatus?.code === 409) counts.conflicts++;
  return true;
}

/** All writes counted: object writes, Events and Lease renewals. */
export const totalWrites = (c: RequestCounts): number => c.objectWrites + c.eventWrites + c.leaseWrites;

/**
 * The requests of some identities over one window of the run: their counts, and their writes (but Lease renewals)
 * per whole second since `originMs` (epoch ms), the API server's write rate over time. Lines before the origin
 * are not counted.
 */
export class AuditWindow {
  private readonly counts = new Map<string, RequestCounts>();
  private readonly series = new Map<string, number[]>();

  constructor(
    users: readonly string[],
    private readonly originMs: number,
  ) {
    for (const user of users) {
      this.counts.set(user, emptyCounts());
      this.series.set(user, []);
    }
  }

  /** Counts one audit line, if it belongs to one of the window's identities and falls inside it. */
  add(line: AuditLine): void {
    const user = line.user.username;
    const counts = this.counts.get(user);
    const series = this.series.get(user);
    if (counts === undefined || series === undefined) return;
    const second = Math.floor((Date.parse(line.requestReceivedTimestamp) - this.originMs) / 1000);
    if (second < 0 || !countLine(counts, line, user) || !isWrite(line)) return;
    if (line.objectRef?.resource === "leases") return;
    while (series.length <= second) series.push(0);
    series[second] = (series[second] ?? 0) + 1;
  }

  /** What `user` asked for in the window. */
  countsOf(user: string): RequestCounts {
    return this.counts.get(user) ?? emptyCounts();
  }

  /** The writes of `user` per second of the window, from its origin, Lease renewals left out. */
  writesPerSecondOf(user: string): readonly number[] {
    return this.series.get(user) ?? [];
  }
}
