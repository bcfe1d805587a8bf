// A DeploymentTask declared in a GitOps repository, with comments in its log, is applied again and again with
// server-side apply (as Flux always does, and Argo CD with ServerSideApply=true). The log is append-only (ADR 0064):
// the server stamps each entry with its author and time, so the manifest's copy of an entry never equals the stored
// one, and others add entries the manifest does not have. Against the real API server with the shipped webhook
// configurations: re-applying the manifest changes nothing, a new entry in the manifest is appended and signed by the
// applier, and a person still cannot change, remove or forge an entry.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { startWebhookHarness, type WebhookHarness } from "./webhook-harness.js";
import { getObject, kubectlIn, kubectlInOrThrow } from "./webhook-test-objects.js";

const TASK = "smoke-tests";

const LogEntry = z.object({
  author: z.string().optional(),
  time: z.string().optional(),
  kind: z.string().optional(),
  message: z.string().optional(),
});
const StoredTask = z.object({ spec: z.object({ log: z.array(LogEntry) }) });

describe("A task's log applied again from a manifest (server-side apply)", () => {
  let harness: WebhookHarness;

  /** The task as its repository declares it: the log holds the entries the repository wrote, unstamped. */
  function manifest(messages: readonly string[]): Record<string, unknown> {
    return {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: { name: TASK, namespace: harness.namespace },
      spec: {
        type: "PostDeployVerification",
        title: "Run the smoke tests",
        owners: [{ kind: "User", name: "bob" }],
        log: messages.map((message) => ({ message })),
      },
    };
  }

  /** Applies `task` as bob with server-side apply, as a GitOps tool does (forcing, under its own field manager). */
  const applyTask = (task: Record<string, unknown>) =>
    kubectlIn(
      "bob",
      harness.namespace,
      ["apply", "--server-side", "--force-conflicts", "--field-manager=gitops", "-f", "-"],
      task,
    );
  const apply = (messages: readonly string[]) => applyTask(manifest(messages));

  async function storedLog() {
    return StoredTask.parse(await getObject(harness.namespace, `deploymenttask/${TASK}`)).spec.log;
  }

  before(async () => {
    harness = await startWebhookHarness("task-log-apply");
  });

  after(async () => {
    await harness.stop();
  });

  it("signs the manifest's entries on the first apply, with the applier's name", async () => {
    const first = await apply(["Smoke tests planned for the canary."]);
    assert.equal(first.code, 0, first.stderr);
    const log = await storedLog();
    assert.equal(log.length, 1);
    assert.equal(log[0]?.author, "bob");
    assert.ok(log[0]?.time, "stamped with the server's time");
  });

  it("keeps every entry when the same manifest is applied again, after someone else added one", async () => {
    await kubectlInOrThrow("admin", harness.namespace, [
      "patch",
      `deploymenttask/${TASK}`,
      "--type=json",
      "-p",
      JSON.stringify([{ op: "add", path: "/spec/log/-", value: { message: "Canary looks healthy." } }]),
    ]);
    const stored = await storedLog();
    assert.deepEqual(
      stored.map((e) => e.author),
      ["bob", "admin"],
    );
    const again = await apply(["Smoke tests planned for the canary."]);
    assert.equal(again.code, 0, `a re-apply of an unchanged manifest is admitted: ${again.stderr}`);
    assert.deepEqual(await storedLog(), stored, "and changes nothing on record");
  });

  it("appends an entry the manifest gained, signed by the applier, after the stored ones", async () => {
    const stored = await storedLog();
    const grown = await apply(["Smoke tests planned for the canary.", "Smoke tests passed."]);
    assert.equal(grown.code, 0, grown.stderr);
    const log = await storedLog();
    assert.deepEqual(log.slice(0, stored.length), stored, "the stored entries are kept as they were");
    assert.equal(log.length, stored.length + 1);
    assert.equal(log.at(-1)?.message, "Smoke tests passed.");
    assert.equal(log.at(-1)?.author, "bob");
    const steady = await apply(["Smoke tests planned for the canary.", "Smoke tests passed."]);
    assert.equal(steady.code, 0, steady.stderr);
    assert.equal((await storedLog()).length, log.length, "applying it once more adds nothing");
  });

  it("still refuses a manifest that rewords an entry, and signs a typed author over with the applier's name", async () => {
    const stored = await storedLog();
    const withLog = (log: readonly unknown[]) => ({
      ...manifest([]),
      spec: { ...(manifest([]).spec as Record<string, unknown>), log },
    });
    const applyAs = (log: readonly unknown[]) => applyTask(withLog(log));
    const mark = harness.audit.entries.length;
    const reworded = await applyAs(
      stored.map((entry, index) => (index === 1 ? { ...entry, message: "Canary failed." } : entry)),
    );
    assert.notEqual(reworded.code, 0, "rewording admin's entry is refused");
    assert.match(reworded.stderr, /LogRewritten: spec\.log\[1\] was changed/);
    const dropped = await applyAs(stored.slice(0, 1));
    assert.notEqual(dropped.code, 0, "dropping admin's stamped entry is refused");
    assert.match(dropped.stderr, /LogRewritten: spec\.log\[1\] was removed/);
    assert.deepEqual(await storedLog(), stored, "nothing on record changed");
    assert.deepEqual(
      harness.since(mark).map((e) => [e.actor, e.action, e.details.rule, e.details.operation]),
      [
        ["bob", "AdmissionDenied", "LogRewritten", "UPDATE"],
        ["bob", "AdmissionDenied", "LogRewritten", "UPDATE"],
      ],
      "both attempts are on the audit record",
    );
    const typed = await applyAs([
      ...stored,
      { author: "alice", time: stored[0]?.time, message: "Approved." },
    ]);
    assert.equal(typed.code, 0, typed.stderr);
    const log = await storedLog();
    assert.equal(log.at(-1)?.message, "Approved.");
    assert.equal(log.at(-1)?.author, "bob", "signed by who applied it, not by the name typed");
    assert.notEqual(log.at(-1)?.time, stored[0]?.time, "at the server's time");
  });
});
