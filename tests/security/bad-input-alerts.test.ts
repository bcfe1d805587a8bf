// Bad Alertmanager input (issue 9): the receiver of the operator process, called with the Alertmanager bearer
// token (the least privilege that reaches it), about a release shop-1 really deployed to prod through an Argo CD
// Application (its controller a stand-in driven by the test). Fingerprints that share a prefix, text with
// terminal escapes, a name taken in advance by bob, and payloads that are not JSON: each is refused or handled
// with an answer naming the field and the fix, recorded where it reached the operator, and the receiver keeps
// serving.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { rollbackTaskName } from "../../src/controllers/release/names.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { isPrintableText } from "../../src/runtime/printable-text.js";
import { kubectl } from "../support/cluster.js";
import { waitFor } from "../support/kube.js";
import { createAs, startBadInputWorld, type BadInputWorld } from "./bad-input-world.js";

describe("bad Alertmanager input is refused or made harmless", { timeout: 600_000 }, () => {
  let world: BadInputWorld;

  before(
    async () => {
      world = await startBadInputWorld({ deployShop: true });
    },
    { timeout: 240_000 },
  );

  after(async () => {
    await world?.stop();
  });

  const create = (identity: "bob" | "alice" | "admin", obj: Record<string, unknown>) =>
    createAs(world, identity, obj);

  describe("the Alertmanager receiver (the Alertmanager token)", () => {
    const notification = (alerts: Record<string, unknown>[]): string =>
      JSON.stringify({ version: "4", receiver: "direct", status: "firing", alerts });
    const firing = (fingerprint: string, startsAt: Date, extra: Record<string, unknown> = {}) => ({
      status: "firing",
      labels: { alertname: "HighErrorRate", namespace: world.namespace, app: "shop" },
      annotations: { summary: "More than 20% of requests fail." },
      startsAt: startsAt.toISOString(),
      fingerprint,
      ...extra,
    });
    async function rollbackTask(name: string): Promise<KubeObject> {
      return waitFor(`Rollback task ${name}`, () =>
        world.admin.get(resources.deploymentTask, name, world.namespace),
      );
    }

    it("answers 415 naming application/json to a notification of another Content-Type, and keeps serving", async () => {
      const body = notification([firing("aaaa0000aaaa0000", new Date(Date.now() - 60_000))]);
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded", null]) {
        const answer = await world.postAlert(body, contentType);
        assert.equal(answer.status, 415, JSON.stringify(answer.body));
        assert.equal(answer.body.reason, "UnsupportedMediaType");
        assert.equal(answer.body.field, "Content-Type");
        assert.match(String(answer.body.message), /must send Content-Type: application\/json/);
      }
      const { items } = await world.admin.list(resources.deploymentTask, { namespace: world.namespace });
      assert.ok(
        !items.some((t) => t.metadata.name.includes("aaaa0000aaaa0000")),
        "a refused notification opened a task",
      );
      const served = await world.postAlert(notification([]), "application/json; charset=utf-8");
      assert.equal(served.status, 200, JSON.stringify(served.body));
    });

    it("opens two Rollback tasks for two alerts whose fingerprints share their first 16 characters", async () => {
      const startsAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
      const a = `${"c0ffee".repeat(3).slice(0, 16)}${"0".repeat(47)}1`;
      const b = `${"c0ffee".repeat(3).slice(0, 16)}${"0".repeat(47)}2`;
      const answer = await world.postAlert(notification([firing(a, startsAt), firing(b, startsAt)]));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(
        (answer.body.summary as Record<string, number>).opened,
        2,
        JSON.stringify(answer.body),
      );
      const nameA = rollbackTaskName("shop-1", world.prod, a, startsAt);
      const nameB = rollbackTaskName("shop-1", world.prod, b, startsAt);
      assert.notEqual(nameA, nameB);
      const [taskA, taskB] = [await rollbackTask(nameA), await rollbackTask(nameB)];
      assert.equal((taskA.spec as { alert: { fingerprint: string } }).alert.fingerprint, a);
      assert.equal((taskB.spec as { alert: { fingerprint: string } }).alert.fingerprint, b);
      for (const name of [nameA, nameB]) {
        // Recorded once the create succeeded, so the task may be seen a moment before its entry.
        await waitFor(`the RollbackTaskOpened entry of ${name}`, async () =>
          (await world.audit("RollbackTaskOpened")).some((e) => e.object.name === name) ? true : undefined,
        );
      }
      const again = await world.postAlert(notification([firing(b, startsAt)]));
      assert.equal((again.body.summary as Record<string, number>).duplicate, 1, "a repeat is still one task");
    });

    it("does not take a task bob made in advance under an alert's task name: it opens its own beside it", async () => {
      const startsAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 240_000);
      const fingerprint = "5a5a5a5a5a5a5a5a";
      const name = rollbackTaskName("shop-1", world.prod, fingerprint, startsAt);
      const squat = await create("bob", {
        apiVersion: API_VERSION,
        kind: "DeploymentTask",
        metadata: { name },
        spec: { type: "Checklist", title: "Nothing to see", owners: [{ name: "bob" }] },
      });
      assert.equal(squat.code, 0, squat.stderr);
      const body = notification([firing(fingerprint, startsAt)]);
      // The operator's own task is sealed and named from its key when its plain name is taken: bob's decoy is left
      // alone and never counted, and the alert still opens its Rollback task.
      const opened = await world.postAlert(body);
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const [result] =
        (opened.body.alerts as { results: { outcome: string; task?: string }[] }[])[0]?.results ?? [];
      assert.equal(result?.outcome, "opened", JSON.stringify(opened.body));
      assert.ok(result?.task !== undefined && result.task !== name, "the operator opened a task of its own");
      const task = await rollbackTask(result.task);
      assert.equal((task.spec as { type: string }).type, "Rollback");
      const decoy = await kubectl("admin", [
        "get",
        "deploymenttask",
        name,
        "-n",
        world.namespace,
        "-o",
        "json",
      ]);
      assert.equal(decoy.code, 0, decoy.stderr);
      assert.equal((JSON.parse(decoy.stdout) as { spec: { type: string } }).spec.type, "Checklist");
    });

    it("stores an alert's labels and summary without terminal escapes; kubectl describe shows none", async () => {
      const startsAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 180_000);
      const fingerprint = "e5c0e5c0e5c0e5c0";
      const answer = await world.postAlert(
        notification([
          firing(fingerprint, startsAt, {
            labels: {
              alertname: "High\u001b[31mErrorRate\u001b[0m",
              namespace: world.namespace,
              app: "shop",
              note: "ok\u001b]0;pwned\u0007\r\u001b[2K",
            },
            annotations: {
              summary: "All \u001b[1A\u001b[2Kgood\u0000\u202e",
              description: "Line one\nLine two\u001bc",
            },
          }),
        ]),
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const task = await rollbackTask(rollbackTaskName("shop-1", world.prod, fingerprint, startsAt));
      const spec = task.spec as {
        title: string;
        description: string;
        alert: { labels: Record<string, string>; annotations: Record<string, string> };
      };
      assert.equal(spec.title, "Roll back shop-1 in " + world.prod + ": All good");
      assert.equal(spec.alert.labels.alertname, "HighErrorRate");
      for (const text of [
        spec.title,
        spec.description,
        ...Object.values(spec.alert.labels),
        ...Object.values(spec.alert.annotations),
      ]) {
        assert.ok(isPrintableText(text), JSON.stringify(text));
      }
      const described = await kubectl("bob", [
        "describe",
        "deploymenttask",
        task.metadata.name,
        "-n",
        world.namespace,
      ]);
      assert.equal(described.code, 0, described.stderr);
      assert.ok(!described.stdout.includes("\u001b"), "kubectl describe carries an escape sequence");
      assert.match(described.stdout, /HighErrorRate/);
    });
  });
});
