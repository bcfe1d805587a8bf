// The pure reduction `make bench-approval` counts the approval-to-sync path with: kube-apiserver audit lines of the
// operator and the approver into the writes on one release's objects, the writes up to the sync request in the API
// server's order, and the chain before it. A wrong reduction would print a wrong "met", so it is checked here
// against lines as kube-apiserver writes them at the Metadata level.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PathAuditLine, releasePath, touches, type PathObjects } from "../../../hack/bench/approval-audit.js";

const OBJECTS: PathObjects = {
  release: "rel-1",
  changeRequest: "rel-1-prod-abc",
  approval: "rel-1-prod-abc",
  application: "app-1",
};
const USERS = { operator: "stagegate-operator", approver: "alice" };

/** The audit line of one request completed at `ms` milliseconds past 10:00:00 (received 2 ms before). */
function line(ms: number, verb: string, resource: string, name: string, extra: Record<string, unknown> = {}) {
  const at = (t: number) =>
    `2026-12-06T10:00:${String(Math.floor(t / 1000)).padStart(2, "0")}.${String(t % 1000).padStart(3, "0")}000Z`;
  return PathAuditLine.parse({
    kind: "Event",
    level: "Metadata",
    stage: "ResponseComplete",
    verb,
    user: { username: (extra.user as string | undefined) ?? USERS.operator, groups: [] },
    objectRef: { resource, name, namespace: "approval", subresource: extra.subresource },
    responseStatus: { code: (extra.code as number | undefined) ?? 200 },
    requestReceivedTimestamp: at(ms - 2),
    stageTimestamp: at(ms),
  });
}
const epoch = (ms: number): number => Date.parse("2026-12-06T10:00:00Z") + ms;

describe("the approval-to-sync path from the audit log", () => {
  const lines = [
    // Before the approval: the gate opening its change and Approval; not on the path.
    line(100, "update", "changerequests", OBJECTS.changeRequest, { subresource: "status" }),
    line(1000, "patch", "approvals", OBJECTS.approval, { user: "alice" }),
    line(1010, "create", "events", `${OBJECTS.approval}.18c0ffee`),
    line(1012, "update", "approvals", OBJECTS.approval, { subresource: "status" }),
    line(1015, "update", "changerequests", OBJECTS.changeRequest, { subresource: "status" }),
    line(1020, "update", "releases", "rel-1", { subresource: "status" }),
    line(1021, "update", "releases", "rel-1", { subresource: "status", code: 409 }),
    line(1030, "patch", "applications", "app-1"),
    // Another release's writes interleave and are not counted.
    line(1031, "patch", "applications", "app-2"),
    line(1032, "update", "releases", "rel-10", { subresource: "status" }),
    // After the sync request was seen (at 1035): status, Events, the unlock.
    line(1100, "update", "releases", "rel-1", { subresource: "status" }),
    line(1101, "create", "events", "rel-1.18c0ffee"),
    line(1200, "patch", "applications", "app-1"),
  ];

  it("counts the operator's writes on the release's objects from the approval on, Events apart", () => {
    const p = releasePath(lines, USERS, OBJECTS, epoch(1035));
    assert.equal(p.objectWrites, 7);
    assert.equal(p.eventWrites, 2);
    assert.equal(p.conflicts, 1);
    assert.equal(p.byKind.get("update releases/status"), 3);
    assert.equal(p.byKind.get("create events"), 2);
  });

  it("orders the writes up to the sync request and tells the Approval's outcome apart", () => {
    const p = releasePath(lines, USERS, OBJECTS, epoch(1035));
    assert.deepEqual(
      p.beforeSync.map((w) => w.kind),
      [
        "update approvals/status",
        "update changerequests/status",
        "update releases/status",
        "update releases/status",
        "patch applications",
      ],
    );
    assert.deepEqual(
      p.withoutOutcome.map((w) => w.kind),
      [
        "update changerequests/status",
        "update releases/status",
        "update releases/status",
        "patch applications",
      ],
    );
    assert.equal(p.resolutionFirst, false, "the outcome (1012) was stored before the resolution (1015)");
  });

  it("sees a resolution stored before the Approval's outcome", () => {
    const swapped = lines.map((l) =>
      l.objectRef?.resource === "approvals" && l.objectRef.subresource === "status"
        ? { ...l, stageTimestamp: "2026-12-06T10:00:01.025000Z" }
        : l,
    );
    const p = releasePath(swapped, USERS, OBJECTS, epoch(1035));
    assert.equal(p.resolutionFirst, true);
    assert.equal(p.beforeSync.length, 5);
  });

  it("takes the last Application write received before the watch saw the request as the sync request", () => {
    // Seen at 1250: the unlock at 1200 would be taken; the watch time bounds the choice.
    const late = releasePath(lines, USERS, OBJECTS, epoch(1250));
    assert.equal(late.beforeSync.at(-1)?.at, epoch(1200));
    assert.throws(() => releasePath(lines, USERS, OBJECTS, epoch(1020)), /No sync request/);
  });

  it("needs the approver's decision", () => {
    assert.throws(
      () => releasePath(lines, { ...USERS, approver: "carol" }, OBJECTS, epoch(1035)),
      /No decision/,
    );
  });

  it("attributes Events by the object they are named after", () => {
    assert.equal(touches(line(0, "create", "events", "rel-1.abc"), OBJECTS), true);
    assert.equal(touches(line(0, "create", "events", "rel-10.abc"), OBJECTS), false);
  });
});
