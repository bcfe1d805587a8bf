import { z } from "zod";
import { ReleaseStatus } from "../../api/v1alpha1/release.js";
import { pinnedReleaseSpec } from "../../api/v1alpha1/pinned-release.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ObjectStore } from "../../runtime/informer/store.js";
import { targetKey } from "./target-object.js";

/**
 * How long a release waiting at the gate there is believed to be taking a lock it holds. Since ADR 0037 a release
 * writes its lock only after its status records the promotion, so this covers a releases cache that has not seen
 * that status yet (and locks written by versions before it, which locked first: ADR 0020), with room for a crash
 * and a restart. Past it, the lock is a leftover or a forgery and is taken over.
 */
export const LOCK_TAKING_GRACE_MS = 30_000;

/** How far a lock's write time may lie ahead of the operator's clock (clock skew between API server and operator). */
const CLOCK_SKEW_MS = 5_000;

/**
 * What a `stagegate.io/locked-by` holder other than this release is, for a release that wants the target:
 * - `Held`: a release promoting there, or a proven rollback (see `lockHolderIsReal`), or one done there (Verified
 *   or Failed), which frees the lock itself in its next pass: wait for it;
 * - `Taking`: the release it names claims the object in an environment that owns it, waits at its gate there and
 *   the lock was written moments ago: it is between its lock and its recorded promotion; wait until `until`;
 * - `Forged`: anything else (no such release, not its target, or a lock older than that): a
 *   forgery or a leftover, which a promotion takes over. `why` says which, for the audit trail.
 */
export type LockReality =
  { kind: "Held" } | { kind: "Taking"; until: Date } | { kind: "Forged"; why: string };

/** What judging a lock holder needs: whether it is held (the shared rule), and the release it names. */
export interface LockHolderView {
  holder: string;
  /** Whether the holder promotes there or is a proven rollback (`lockHolderIsReal`). */
  held: boolean;
  /** The Releases cache. */
  releases: ObjectStore;
  /** The delivery object's key (`targetKey`). */
  key: string;
  /** Whether an environment owns the delivery object as read in this pass. */
  owns: (environment: string) => boolean;
  /** When the lock annotation was last written, as the API server stamped it (`lockWrittenAt`). */
  lockedAt: Date | undefined;
  now: Date;
}

/** Judges a lock held by someone other than this release (see {@link LockReality}). Pure. */
export function lockReality(view: LockHolderView): LockReality {
  if (view.held) return { kind: "Held" };
  const { holder } = view;
  const obj = view.releases.get(holder);
  if (obj === undefined) return { kind: "Forged", why: `no Release ${holder} exists` };
  const spec = pinnedReleaseSpec(obj);
  const status = ReleaseStatus.safeParse(obj.status ?? {});
  const claimed = (spec?.targets ?? []).filter((t) => targetKey(t) === view.key && view.owns(t.environment));
  if (claimed.length === 0) {
    return {
      kind: "Forged",
      why: `Release ${holder} does not target this object in an environment that owns it`,
    };
  }
  const entries = status.success ? (status.data.environments ?? []) : [];
  const stateIn = (environment: string) => entries.find((e) => e.name === environment)?.state;
  // Done there: the holder frees its own lock in its next pass, which any write to the object (a forgery included)
  // starts, so waiting for it is short and keeps the trail reading unlock-then-lock.
  if (claimed.some((t) => stateIn(t.environment) === "Verified" || stateIn(t.environment) === "Failed")) {
    return { kind: "Held" };
  }
  const waiting = claimed.some((t) => {
    const state = stateIn(t.environment);
    return state === undefined || state === "Pending" || state === "Gated";
  });
  const fresh =
    view.lockedAt !== undefined &&
    view.lockedAt.getTime() <= view.now.getTime() + CLOCK_SKEW_MS &&
    view.now.getTime() - view.lockedAt.getTime() < LOCK_TAKING_GRACE_MS;
  if (waiting && fresh && view.lockedAt !== undefined) {
    return { kind: "Taking", until: new Date(view.lockedAt.getTime() + LOCK_TAKING_GRACE_MS) };
  }
  const states = claimed.map((t) => stateIn(t.environment) ?? "Pending");
  return {
    kind: "Forged",
    why: waiting
      ? `Release ${holder} waits at its gate there (${states.join(", ")}) and has not recorded a promotion ` +
        `within ${LOCK_TAKING_GRACE_MS / 1000}s of the lock`
      : `Release ${holder} is not promoting there (${states.join(", ")})`,
  };
}

const ManagedFieldsEntry = z.object({
  manager: z.string().optional(),
  operation: z.string().optional(),
  time: z.string().optional(),
  fieldsV1: z
    .object({
      "f:metadata": z.object({ "f:annotations": z.record(z.string(), z.unknown()).optional() }).optional(),
    })
    .optional(),
});

/**
 * When the API server last recorded a write of the lock annotation on `obj` (the latest `managedFields` entry that
 * owns it); undefined when none does. Entries can be rewritten by whoever may update the object, so this only
 * ever shortens or bounds a wait (see {@link lockReality}), never opens anything.
 */
export function lockWrittenAt(obj: KubeObject | undefined, annotation: string): Date | undefined {
  return lockWrite(obj, annotation)?.at;
}

/** The latest recorded write of the lock annotation: when, and by which field manager (same caveats). */
export function lockWrite(
  obj: KubeObject | undefined,
  annotation: string,
): { at: Date; manager: string } | undefined {
  const latest = lockWrites(obj, annotation).at(-1);
  return latest === undefined ? undefined : { at: latest.at, manager: latest.manager };
}

/** Every managedFields entry that owns the lock annotation, oldest first (entries without a time left out). */
function lockWrites(
  obj: KubeObject | undefined,
  annotation: string,
): { at: Date; manager: string; operation: string }[] {
  const entries = z.array(ManagedFieldsEntry).safeParse(obj?.metadata.managedFields ?? []);
  if (!entries.success) return [];
  return entries.data
    .flatMap((entry) => {
      const owned = entry.fieldsV1?.["f:metadata"]?.["f:annotations"]?.[`f:${annotation}`] !== undefined;
      const at = entry.time === undefined ? NaN : Date.parse(entry.time);
      if (!owned || Number.isNaN(at)) return [];
      return [{ at: new Date(at), manager: entry.manager ?? "", operation: entry.operation ?? "" }];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * Whether the lock annotation on `obj` was written by a server-side apply of `manager`: how the operator takes a
 * lock, in the apply of a delivery request (ADR 0037). A lock written alone (a merge patch: a takeover, a version
 * before ADR 0037, a person) is an `Update`. Like every managedFields answer this is writable by whoever may update
 * the object; it only decides whether the operator asks its idempotent request again, never opens a gate.
 */
export function lockAppliedWithRequest(
  obj: KubeObject | undefined,
  annotation: string,
  manager: string,
): boolean {
  return lockWrites(obj, annotation).some((w) => w.manager === manager && w.operation === "Apply");
}

/**
 * The lock write an unlock entry is told apart by (`manager@time`): a lock put back in a release's name later, by
 * someone else, is another fact than the release's own unlock (ADR 0031).
 */
export function lockWriteId(write: { at: Date; manager: string } | undefined): string {
  return write === undefined ? "unknown" : `${write.manager}@${write.at.toISOString()}`;
}
