// Which audit entries become Events: one fact, one Event (ADR 0033). The facts the Release controller announces
// itself and the lock machinery stay in the trail only; everything else, and a lock taken over, is mirrored.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEntry } from "../../../src/audit/entry.js";
import type { AuditAction } from "../../../src/audit/recorder.js";
import { auditEventMirror } from "../../../src/cmd/audit-mirror.js";
import type { EventRecorder, EventSpec } from "../../../src/runtime/events.js";

function entry(action: AuditAction, details: Record<string, unknown> = {}): AuditEntry {
  return {
    seq: 7,
    time: "2026-12-06T10:00:00Z",
    actor: "stagegate-operator",
    action,
    object: { kind: "Release", namespace: "shop", name: "shop-1", uid: "u-1" },
    details,
    prevHash: "0".repeat(64),
    hash: "a".repeat(64),
  };
}

/** The Events the mirror writes for `entries`, as `type reason`. */
async function mirroredEvents(entries: AuditEntry[]): Promise<string[]> {
  const written: EventSpec[] = [];
  const recorder = {
    record: (_rt: unknown, _obj: unknown, event: EventSpec) => {
      written.push(event);
      return Promise.resolve();
    },
  } as unknown as EventRecorder;
  const mirror = auditEventMirror(recorder);
  for (const e of entries) await mirror(e);
  return written.map((e) => `${e.type} ${e.reason}`);
}

describe("auditEventMirror", () => {
  const rows: { situation: string; entry: AuditEntry; events: string[] }[] = [
    { situation: "a promotion (the controller says Promoted)", entry: entry("ReleasePromoted"), events: [] },
    {
      situation: "a verification (the controller says Verified)",
      entry: entry("EnvironmentVerified"),
      events: [],
    },
    {
      situation: "a deployment (the controller says Deployed)",
      entry: entry("EnvironmentDeployed"),
      events: [],
    },
    {
      situation: "a failure (the controller warns DeploymentFailed)",
      entry: entry("EnvironmentFailed"),
      events: [],
    },
    {
      situation: "an unapproved deployment (the controller warns UnapprovedDeployment)",
      entry: entry("UnapprovedDeployment"),
      events: [],
    },
    { situation: "a free lock taken", entry: entry("TargetLocked"), events: [] },
    { situation: "a lock freed", entry: entry("TargetUnlocked"), events: [] },
    { situation: "a closed record archived", entry: entry("RecordArchived"), events: [] },
    {
      situation: "a rollback task opened (the rollback controller announces its first step on it)",
      entry: entry("RollbackTaskOpened"),
      events: [],
    },
    {
      situation: "a change closed (its resolution or its use was announced)",
      entry: entry("ChangeClosed"),
      events: [],
    },
    {
      situation: "a lock taken over from another holder",
      entry: entry("TargetLocked", { lockTakenFrom: "shop/forged" }),
      events: ["Normal TargetLocked"],
    },
    { situation: "a change approved", entry: entry("ChangeApproved"), events: ["Normal ChangeApproved"] },
    { situation: "a request denied", entry: entry("AdmissionDenied"), events: ["Warning AdmissionDenied"] },
  ];
  for (const row of rows) {
    it(`mirrors ${row.events.length === 0 ? "nothing for" : "one Event for"} ${row.situation}`, async () => {
      assert.deepEqual(await mirroredEvents([row.entry]), row.events);
    });
  }
});
