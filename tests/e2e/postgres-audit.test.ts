// End to end: the operator as its own process, configured with the PostgreSQL audit store instead of a file
// (--audit-database-url, its password in a file), with its admission webhooks registered for the test namespace.
// A ChangeRequest bob creates lands in the database as ChangeRequested by bob (recorded by the controller from the
// stored object); with the database crashed, bob's next
// ChangeRequest is denied (AuditUnavailable) and nothing unrecorded is admitted; once the database is back the
// same request is admitted and the chain continues and verifies. While the database refuses the ChangeRequest
// controller's ApprovalOpened, the controller retries; once it accepts, the entry is recorded once.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startPostgres, type StartedPostgres } from "../../hack/postgres/index.js";
import type { AuditEntry } from "../../src/audit/entry.js";
import { verifyAuditDatabase } from "../../src/audit/postgres/verify-table.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { createEnvironment } from "../support/controller-world.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { crashPostgres, createAuditDatabase, databaseUrl, type AuditDatabase } from "../support/postgres.js";
import { createRelease } from "../support/release-world.js";
import { feedReaders, getFeed, getPage } from "../support/audit-feed.js";
import { kubectl } from "../support/cluster.js";
import { changeRequestManifest, kubectlIn } from "../integration/webhooks/webhook-test-objects.js";

const STEP_TIMEOUT_MS = 60_000;

describe("the operator process recording to PostgreSQL", () => {
  let server: StartedPostgres | undefined;
  let db: AuditDatabase;
  let admin: KubeClient | undefined;
  let operator: E2eOperator | undefined;
  let ns = "";
  const environment = `prod-pg-${randomBytes(3).toString("hex")}`;

  before(async () => {
    // This file crashes its database, so it runs a server of its own rather than the run's shared one.
    server = await startPostgres();
    db = await createAuditDatabase(server);
    const passwordFile = path.join(server.dir, "operator.password");
    await writeFile(passwordFile, db.rolePassword, { mode: 0o600 });
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "pg-audit");
    await createEnvironment({ admin, namespace: ns }, environment, {
      regulated: true,
      gate: { commitAuthorSource: "Declared", requiredApprovals: 1, approvers: { groups: ["approvers"] } },
    });
    operator = await startE2eOperator(admin, ns, {
      flags: [
        `--audit-database-url=${databaseUrl(db.server, db.database, db.role, "").replace(":@", "@")}`,
        `--audit-database-password-file=${passwordFile}`,
        // The GRC feed, served by the operator process itself over its serving certificate.
        "--audit-feed-bind-address=127.0.0.1:0",
      ],
    });
  });

  after(async () => {
    await operator?.stop();
    if (admin !== undefined) {
      for (const [rt, name] of [
        [builtin.namespace, ns],
        [resources.environment, environment],
      ] as const) {
        await admin.delete(rt, name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      }
      admin.close();
    }
    await server?.stop();
  });

  /** The entries in the database, in chain order. */
  async function entries(): Promise<AuditEntry[]> {
    const rows = await db.asAdmin<{ entry: string }>(
      "SELECT entry::text AS entry FROM stagegate_audit.entries ORDER BY seq",
    );
    return rows.map((row) => JSON.parse(row.entry) as AuditEntry);
  }

  const createAs = (name: string) =>
    kubectlIn("bob", ns, ["create", "-f", "-"], changeRequestManifest(name, { environment }));

  it("records an admitted ChangeRequest in the database, by the user who made it", async () => {
    const created = await createAs("checkout-1");
    assert.equal(created.code, 0, created.stderr);
    // The ChangeRequest controller records the request from the stored object (ADR 0031).
    const requested = await waitFor(
      "ChangeRequested in the database once the API server stored the change",
      async () =>
        (await entries()).find((e) => e.action === "ChangeRequested" && e.object.name === "checkout-1"),
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.equal(requested.actor, "bob");
    assert.equal(requested.object.namespace, ns);
    assert.equal((await verifyAuditDatabase({ url: db.operatorUrl })).ok, true);
    await waitFor(
      "the entry to be mirrored as an Event on the ChangeRequest",
      async () => {
        const events = await kubectlIn("admin", ns, [
          "get",
          "events",
          "--field-selector=reason=ChangeRequested,involvedObject.name=checkout-1",
          "-o",
          "jsonpath={.items[*].message}",
        ]);
        return events.stdout.includes(`Audit entry ${requested.seq} (${requested.hash.slice(0, 12)}) by bob`)
          ? true
          : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
  });

  it("denies what it cannot record while the database is down, and admits it once the database is back", async () => {
    assert.ok(server !== undefined);
    const before = await entries();
    await crashPostgres(server);
    try {
      const refused = await createAs("checkout-2");
      assert.notEqual(refused.code, 0);
      assert.match(
        refused.stderr,
        /AuditUnavailable: the audit trail is unavailable \(Could not (reach|append)/,
      );
      assert.ok(!refused.stderr.includes(db.rolePassword), "the password is never in a message");
      const kept = await kubectlIn("admin", ns, ["get", "changerequest", "checkout-2"]);
      assert.notEqual(kept.code, 0, "nothing unrecorded was admitted");
    } finally {
      await server.process.start();
    }
    await waitFor(
      "bob's ChangeRequest to be admitted once the database is back",
      async () => ((await createAs("checkout-2")).code === 0 ? true : undefined),
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    const after = await waitFor(
      "the admitted request on record",
      async () => {
        const now = await entries();
        return now.some((e) => e.action === "ChangeRequested" && e.object.name === "checkout-2")
          ? now
          : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.deepEqual(
      after.slice(0, before.length),
      before,
      "every entry from before the crash is still there",
    );
    const requested = after.filter((e) => e.action === "ChangeRequested" && e.object.name === "checkout-2");
    assert.equal(requested.length, 1, "the admitted request is recorded once");
    assert.deepEqual(await verifyAuditDatabase({ url: db.operatorUrl }), { ok: true, entries: after.length });
  });

  it("retries a controller's entry the database refuses, and records it once when it accepts", async () => {
    await db.asAdmin(`CREATE FUNCTION public.refuse_approval_opened() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'ApprovalOpened is refused for this test'; END $$`);
    await db.asAdmin(`CREATE TRIGGER refuse_approval_opened BEFORE INSERT ON stagegate_audit.entries
      FOR EACH ROW WHEN (NEW.action = 'ApprovalOpened') EXECUTE FUNCTION public.refuse_approval_opened()`);
    assert.ok(admin !== undefined && operator !== undefined);
    await createRelease({ admin, namespace: ns }, "api-1", {
      version: "1.0.0",
      revision: "main",
      pipeline: [environment],
      commits: [{ sha: randomBytes(20).toString("hex"), author: { name: "Grace" }, message: "Fix" }],
    });
    const created = await kubectlIn(
      "bob",
      ns,
      ["create", "-f", "-"],
      changeRequestManifest("api-change", { environment, releaseRef: { name: "api-1" } }),
    );
    assert.equal(created.code, 0, created.stderr);
    const failed = await operator.process.waitForLog(
      "Reconcile failed; retrying with backoff",
      { controller: "changerequest", name: "api-change" },
      STEP_TIMEOUT_MS,
    );
    assert.match(String(failed.err), /ApprovalOpened is refused for this test/);
    const opened = (e: AuditEntry) =>
      e.action === "ApprovalOpened" && e.details.changeRequest === "api-change";
    assert.equal((await entries()).filter(opened).length, 0);

    await db.asAdmin("DROP TRIGGER refuse_approval_opened ON stagegate_audit.entries");
    const recorded = await waitFor(
      "the ChangeRequest controller to record ApprovalOpened on a retry",
      async () => {
        const found = (await entries()).filter(opened);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.equal(recorded.length, 1, "recorded once, not once per attempt");
    assert.equal(recorded[0]?.actor, "stagegate-operator");
    const all = await entries();
    assert.deepEqual(await verifyAuditDatabase({ url: db.operatorUrl }), { ok: true, entries: all.length });
  });

  it("serves the whole record through the running operator's feed to an auditor, and nothing to others", async () => {
    assert.ok(admin !== undefined && operator !== undefined);
    const serving = await operator.process.waitForLog("Serving the audit feed");
    const feed = {
      url: `https://127.0.0.1:${Number(serving.auditFeedPort)}`,
      caPem: operator.webhookCaPem,
      close: () => Promise.resolve(),
    };
    const binding = `stagegate-auditor-e2e-${ns}`;
    try {
      const { auditor, stranger } = await feedReaders(admin, ns, binding);
      const stored = (await entries()).map((e) => e.seq);
      const seen: number[] = [];
      let cursor = "";
      for (;;) {
        const page = await getPage(feed, auditor, `?limit=5${cursor === "" ? "" : `&after=${cursor}`}`);
        seen.push(...page.items.map((item) => item.entry.seq));
        assert.equal(page.chain.intact, true);
        if (!page.more) break;
        cursor = page.nextCursor;
      }
      assert.deepEqual(seen.slice(0, stored.length), stored, "every stored entry, in order, once");
      assert.equal((await getFeed(feed, stranger, "/audit/v1/records")).status, 403);
      assert.equal((await getFeed(feed, null, "/audit/v1/records")).status, 401);
    } finally {
      await kubectl("admin", ["delete", "clusterrolebinding", binding, "--ignore-not-found"]);
    }
  });
});
