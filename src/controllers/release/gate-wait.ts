import type { ReleaseEnvironmentStatus, ReleaseStatus } from "../../api/v1alpha1/release.js";
import { transitionDigest, transitionId, type AuditEvent } from "../../audit/recorder.js";
import { categoriesOf, primaryCategory } from "../../policy/gate-categories.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { EnvironmentStep } from "./environment-step.js";

/** What an environment's gate waits on, as the status records it (ADR 0053). */
export type GateWait = NonNullable<ReleaseEnvironmentStatus["gateWait"]>;

/** A Gated environment the gate was not asked for because its delivery target does not exist. */
export const DELIVERY_TARGET_MISSING = "DeliveryTargetMissing";

/**
 * The reason codes a step's environment waits on at the gate: the blocking gate reasons, the stall's reason, or the
 * missing delivery target; undefined when the environment is not Gated (it waits on nothing at the gate). Read only
 * from the decision, never from labels, annotations or anything a person writes on the Release.
 */
export function gateWaitCodes(step: EnvironmentStep): string[] | undefined {
  if (step.entry.state !== "Gated") return undefined;
  if (step.stall !== undefined) return [step.stall.reason];
  if (step.verdict !== undefined && !step.verdict.open) {
    return [...new Set(step.verdict.blocking.map((b) => b.reason))];
  }
  return [DELIVERY_TARGET_MISSING];
}

/**
 * The step's status entry with its `gateWait`: the categories of what the gate waits on now, their codes, and since
 * when, kept from the stored entry while the categories stay the same (so a pass that changes nothing writes
 * nothing), stamped `now` when they change; absent when the environment does not wait at the gate.
 */
export function withGateWait(
  step: EnvironmentStep,
  stored: ReleaseEnvironmentStatus | undefined,
  now: Date,
): ReleaseEnvironmentStatus {
  const entry = step.entry;
  const codes = gateWaitCodes(step);
  if (codes === undefined) return entry;
  const categories = categoriesOf(codes);
  const before = stored?.gateWait;
  const since =
    before !== undefined && sameList(before.categories, categories) ? before.since : formatTimestamp(now);
  return { ...entry, gateWait: { categories, reasons: codes.slice(0, 32), since } };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * One `GateWaitChanged` entry for each environment whose gate-wait categories differ from the stored ones: it began
 * to wait (on checks, approvals, ...), it waits on other categories now, or it no longer waits at the gate (opened,
 * Pending again, or the release moved on). Named per transition (ADR 0031) by the environment, the promotion the
 * wait is for, the categories decided and the stored wait they replace, so a pass after a crash before the status
 * write names the same fact and the store keeps one entry. Recorded before the status write that shows it; the
 * categories change only when the gate's reasons do, so the entry rides on a status write the pass makes anyway.
 */
export function gateWaitAudit(
  metadata: { namespace: string; name: string; uid: string },
  stored: ReleaseStatus | undefined,
  environments: readonly ReleaseEnvironmentStatus[],
  now: Date,
): AuditEvent[] {
  const object = { kind: "Release", namespace: metadata.namespace, name: metadata.name };
  const audit: AuditEvent[] = [];
  for (const env of environments) {
    const before = stored?.environments?.find((e) => e.name === env.name)?.gateWait;
    const after = env.gateWait;
    if (sameList(before?.categories ?? [], after?.categories ?? [])) continue;
    const promotion =
      after !== undefined || env.state === "Pending" ? (env.promotions ?? 0) + 1 : (env.promotions ?? 1);
    const previous = before === undefined ? undefined : primaryCategory(before.categories);
    const waited = before === undefined ? undefined : (now.getTime() - Date.parse(before.since)) / 1000;
    audit.push({
      actor: "stagegate-operator",
      action: "GateWaitChanged",
      object,
      details: {
        environment: env.name,
        promotion,
        state: env.state,
        categories: after?.categories ?? [],
        category: primaryCategory(after?.categories ?? []) ?? "none",
        reasons: after?.reasons ?? [],
        ...(before === undefined
          ? {}
          : {
              previous: {
                categories: before.categories,
                category: previous ?? "none",
                reasons: before.reasons,
                since: before.since,
                ...(waited === undefined || !Number.isFinite(waited) ? {} : { waitedSeconds: waited }),
              },
            }),
      },
      transition: transitionId(
        "Release",
        metadata.uid,
        "GateWaitChanged",
        env.name,
        promotion,
        transitionDigest([after?.categories ?? [], before ?? null]),
      ),
    });
  }
  return audit;
}
