import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { IdentityName } from "../../../hack/local-cluster/index.js";
import { startWebhookHarness, type WebhookHarness } from "./webhook-harness.js";
import {
  approvalManifest,
  changeRequestManifest,
  getObject,
  kubectlIn,
  kubectlInOrThrow,
  mergePatch,
} from "./webhook-test-objects.js";

const HOUR = 3_600_000;
const seconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

describe("ChangeRequest webhooks and retention, called by the real API server", () => {
  let h: WebhookHarness;
  let ns = "";
  before(async () => {
    h = await startWebhookHarness("webhooks-cr");
    ns = h.namespace;
    assert.deepEqual(h.audit.entries, [], "the readiness probes were dry runs and left no audit entries");
  });
  after(async () => {
    await h?.stop();
  });

  const create = (identity: IdentityName, manifest: Record<string, unknown>) =>
    kubectlIn(identity, ns, ["create", "-f", "-"], manifest);

  it("stamps requestedBy from the identity, ignoring a forged one, and leaves ChangeRequested to the controller", async () => {
    const mark = h.audit.entries.length;
    const forged = changeRequestManifest("forged", { requestedBy: { username: "mallory", groups: ["cab"] } });
    const result = await create("bob", forged);
    assert.equal(result.code, 0, result.stderr);
    const stored = await getObject(ns, "changerequest/forged");
    const requestedBy = (stored.spec as { requestedBy: unknown }).requestedBy;
    assert.deepEqual(requestedBy, { username: "bob", groups: ["developers", "system:authenticated"] });
    // The ChangeRequest controller records the request from the stored object (ADR 0031), by this stamp.
    assert.deepEqual(h.since(mark), [], "admission records no request the API server may still refuse");
  });

  it("puts nothing on record for creates the API server refuses after admission (AlreadyExists)", async () => {
    const manifest = changeRequestManifest("created-once");
    assert.equal((await create("dave", manifest)).code, 0);
    const mark = h.audit.entries.length;
    for (let i = 0; i < 5; i++) {
      const again = await create("dave", manifest);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /AlreadyExists|already exists/);
    }
    assert.deepEqual(
      h.since(mark).filter((e) => e.action === "ChangeRequested"),
      [],
      "no ChangeRequested for a create that never happened",
    );
  });

  const emergencyRows = [
    { situation: "within the Environment's 4h", missingEnv: false, hours: 3, refused: undefined },
    {
      situation: "beyond the Environment's 4h",
      missingEnv: false,
      hours: 5,
      refused: "EmergencyExpiry: spec.emergency.expiresAt",
    },
    { situation: "already expired", missingEnv: false, hours: -1, refused: "is not in the future" },
    {
      situation: "for an Environment that does not exist",
      missingEnv: true,
      hours: 1,
      refused: "does not exist",
    },
  ];
  for (const [i, row] of emergencyRows.entries()) {
    it(`judges an Emergency change ${row.situation}`, async () => {
      const environment = row.missingEnv ? `missing-${h.environment}` : h.environment;
      const expiresAt = new Date(Date.now() + row.hours * HOUR).toISOString();
      const mark = h.audit.entries.length;
      const emergency = { reason: "Payments are down.", expiresAt };
      const result = await create(
        "bob",
        changeRequestManifest(`emergency-${i}`, { environment, type: "Emergency", emergency }),
      );
      if (row.refused === undefined) {
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(
          h.since(mark).map((e) => e.action),
          [],
          "an admitted change is recorded by the controller once stored",
        );
        return;
      }
      assert.notEqual(result.code, 0);
      assert.ok(result.stderr.includes(row.refused), result.stderr);
      if (row.missingEnv) assert.ok(result.stderr.includes(`Environment ${environment}`), result.stderr);
      assert.deepEqual(
        h.since(mark).map((e) => [e.actor, e.action, e.details.rule, e.details.operation]),
        [["bob", "AdmissionDenied", "EmergencyExpiry", "CREATE"]],
      );
      assert.equal(
        (await kubectlIn("admin", ns, ["get", `changerequest/emergency-${i}`])).code,
        1,
        "nothing stored",
      );
    });
  }

  it("re-checks an update that moves the emergency's expiry, and lets other updates through", async () => {
    const emergency = { reason: "Payments are down.", expiresAt: new Date(Date.now() + HOUR).toISOString() };
    await kubectlInOrThrow(
      "bob",
      ns,
      ["create", "-f", "-"],
      changeRequestManifest("moved", { environment: h.environment, type: "Emergency", emergency }),
    );
    const later = new Date(Date.now() + 30 * HOUR).toISOString();
    const moved = await mergePatch("bob", ns, "changerequest/moved", {
      spec: { emergency: { expiresAt: later } },
    });
    assert.ok(moved.code !== 0 && moved.stderr.includes("EmergencyExpiry"), moved.stderr);
    const justified = await mergePatch("bob", ns, "changerequest/moved", {
      spec: { justification: "Also PAY-1301." },
    });
    assert.equal(justified.code, 0, justified.stderr);
  });

  // ApprovalStatus has no retainUntil field yet (the API server prunes it), so a closed Approval is kept for the
  // default retention (2160h) after closedAt; ChangeRequests carry their own retainUntil.
  const closedRows = [
    {
      kind: "changerequest",
      name: "closed-cr",
      status: { resolution: "Rejected" },
      keptMs: HOUR,
      writesRetainUntil: true,
    },
    {
      kind: "approval",
      name: "closed-approval",
      status: { outcome: "Rejected" },
      keptMs: 2160 * HOUR,
      writesRetainUntil: false,
    },
  ];
  for (const row of closedRows) {
    it(`keeps a closed ${row.kind} until its retention is over, then lets it be deleted`, async () => {
      const manifest = row.kind === "approval" ? approvalManifest(row.name) : changeRequestManifest(row.name);
      await kubectlInOrThrow("admin", ns, ["create", "-f", "-"], manifest);
      const closedAt = seconds(Date.now());
      const retainUntil = seconds(Date.parse(closedAt) + row.keptMs);
      const status = { ...row.status, closedAt, ...(row.writesRetainUntil ? { retainUntil } : {}) };
      const closing = await mergePatch("admin", ns, `${row.kind}/${row.name}`, { status }, "status");
      assert.equal(closing.code, 0, closing.stderr);
      const mark = h.audit.entries.length;
      const refused = await kubectlIn("admin", ns, ["delete", `${row.kind}/${row.name}`]);
      assert.notEqual(refused.code, 0);
      assert.ok(refused.stderr.includes(`RetentionNotOver:`), refused.stderr);
      assert.ok(refused.stderr.includes(`must be kept until ${retainUntil}`), refused.stderr);
      assert.deepEqual(
        h.since(mark).map((e) => [e.actor, e.details.rule, e.details.operation]),
        [["admin", "RetentionNotOver", "DELETE"]],
      );
      assert.equal((await kubectlIn("admin", ns, ["get", `${row.kind}/${row.name}`])).code, 0, "still there");
      h.setClockOffset(row.keptMs + HOUR);
      try {
        const deleted = await kubectlIn("admin", ns, ["delete", `${row.kind}/${row.name}`]);
        assert.equal(deleted.code, 0, deleted.stderr);
      } finally {
        h.setClockOffset(0);
      }
      assert.equal((await kubectlIn("admin", ns, ["get", `${row.kind}/${row.name}`])).code, 1, "gone");
    });
  }

  it("lets an open change be deleted at any time", async () => {
    await kubectlInOrThrow("dave", ns, ["create", "-f", "-"], changeRequestManifest("open-cr"));
    const deleted = await kubectlIn("dave", ns, ["delete", "changerequest/open-cr"]);
    assert.equal(deleted.code, 0, deleted.stderr);
  });
});
