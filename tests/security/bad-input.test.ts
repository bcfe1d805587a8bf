// Bad input (issue 9, "Bad input found while trying" and "bound every size"): each attempt is made against the
// real API server and the operator's real webhooks and controllers, as the least-privileged identity that could
// try it (bob, a developer with release-manager rights; alice, an approver; admin only for Environments, which no
// other shipped role may write). Each asserts that it was refused with a message naming the field, the rule and
// the fix (or held with a condition that does), that nothing was written, that the attempt is on the audit trail
// where it reached the operator, and that the operator keeps serving. The Alertmanager receiver's part is in
// bad-input-alerts.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { resources } from "../../src/controllers/resources.js";
import { kubectl } from "../support/cluster.js";
import { waitFor } from "../support/kube.js";
import {
  conditionOf,
  createAs,
  startBadInputWorld,
  suffix,
  type BadInputWorld,
  type Condition,
} from "./bad-input-world.js";

describe("bad input is refused kindly, naming the field, the rule and the fix", { timeout: 600_000 }, () => {
  let world: BadInputWorld;

  before(
    async () => {
      world = await startBadInputWorld({ deployShop: false });
    },
    { timeout: 240_000 },
  );

  after(async () => {
    await world?.stop();
  });

  const create = (identity: "bob" | "alice" | "admin", obj: Record<string, unknown>) =>
    createAs(world, identity, obj);

  /** A Release as bob would write it, with `change` applied to its spec. */
  function release(name: string, change: (spec: Record<string, unknown>) => void = () => undefined) {
    const spec: Record<string, unknown> = {
      version: "2.0.0",
      source: { repoURL: "https://git.example.com/shop.git", revision: "abc1234" },
      pipeline: [world.prod],
      targets: [
        {
          environment: world.prod,
          argoCD: { name: "no-such-app", namespace: world.namespace, revision: "abc1234" },
        },
      ],
      owners: { releaseManager: { name: "bob" }, rollbackOwner: { name: "bob" } },
    };
    change(spec);
    return { apiVersion: API_VERSION, kind: "Release", metadata: { name }, spec };
  }

  /** Asserts a kubectl create was refused with all of `words` in the error, and that nothing was stored. */
  async function assertRefused(
    result: { code: number; stderr: string },
    kind: "release" | "deploymenttask" | "environment",
    name: string,
    words: string[],
  ): Promise<void> {
    assert.notEqual(result.code, 0, `the API server accepted ${kind} ${name}`);
    for (const w of words)
      assert.ok(result.stderr.includes(w), `error does not say "${w}": ${result.stderr}`);
    const args = kind === "environment" ? ["get", kind, name] : ["get", kind, name, "-n", world.namespace];
    const stored = await kubectl("admin", args);
    assert.match(stored.stderr, /NotFound/, `${kind} ${name} was stored anyway`);
  }

  describe("Releases (bob, who may create them)", () => {
    it("refuses a source revision with spaces, naming spec.source.revision and the fix", async () => {
      const name = `spaced-${suffix()}`;
      const result = await create(
        "bob",
        release(name, (s) => ((s.source as Record<string, unknown>).revision = "abc 1234")),
      );
      await assertRefused(result, "release", name, [
        "spec.source.revision",
        "without spaces",
        "remove the whitespace",
      ]);
    });

    it("refuses a target revision with a tab, naming spec.targets[0].argoCD.revision", async () => {
      const name = `spaced-target-${suffix()}`;
      const result = await create(
        "bob",
        release(name, (s) => {
          s.targets = [{ environment: world.prod, argoCD: { name: "no-such-app", revision: "main\tx" } }];
        }),
      );
      await assertRefused(result, "release", name, [
        "spec.targets[0].argoCD.revision",
        "remove the whitespace",
      ]);
    });

    for (const repoURL of ["not a url", "www.example.com/shop", "ftp://example.com/shop.git"]) {
      it(`refuses repoURL ${JSON.stringify(repoURL)}, naming spec.source.repoURL and the accepted forms`, async () => {
        const name = `bad-url-${suffix()}`;
        const result = await create(
          "bob",
          release(name, (s) => ((s.source as Record<string, unknown>).repoURL = repoURL)),
        );
        await assertRefused(result, "release", name, ["spec.source.repoURL", "https://", "git@"]);
      });
    }

    it("accepts the repository forms people use: https, ssh, scp-like and file", async () => {
      for (const repoURL of [
        "ssh://git@git.example.com/shop.git",
        "git@git.example.com:acme/shop.git",
        "file:///srv/git/shop",
      ]) {
        const result = await kubectl(
          "bob",
          ["create", "--dry-run=server", "-n", world.namespace, "-f", "-"],
          {
            input: JSON.stringify(
              release(`ok-${suffix()}`, (s) => ((s.source as Record<string, unknown>).repoURL = repoURL)),
            ),
          },
        );
        assert.equal(result.code, 0, `${repoURL}: ${result.stderr}`);
      }
    });

    it("refuses a Release name longer than 63 characters, naming metadata.name and the limit", async () => {
      const name = `shop-${"x".repeat(59)}`;
      assert.equal(name.length, 64);
      const result = await create("bob", release(name));
      await assertRefused(result, "release", name, ["metadata.name", "at most 63 characters"]);
      const fits = await kubectl("bob", ["create", "--dry-run=server", "-n", world.namespace, "-f", "-"], {
        input: JSON.stringify(release(name.slice(0, 63))),
      });
      assert.equal(fits.code, 0, fits.stderr);
    });

    it("refuses 10,000 work items, naming spec.workItems and the bound", async () => {
      const name = `many-items-${suffix()}`;
      const workItems = Array.from({ length: 10_000 }, (_, i) => ({ id: `PAY-${i}`, type: "Task" }));
      const result = await create(
        "bob",
        release(name, (s) => (s.workItems = workItems)),
      );
      await assertRefused(result, "release", name, ["spec.workItems", "at most 500"]);
    });
  });

  describe("DeploymentTasks (bob)", () => {
    const task = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: { name },
      spec: { type: "Checklist", title: "Prepare the rollout", owners: [{ name: "bob" }], ...spec },
    });

    it("refuses 10,000 checklist items, naming spec.checklist and the bound", async () => {
      const name = `huge-checklist-${suffix()}`;
      const checklist = Array.from({ length: 10_000 }, (_, i) => ({ name: `step-${i}` }));
      await assertRefused(await create("bob", task(name, { checklist })), "deploymenttask", name, [
        "spec.checklist",
        "at most 200",
      ]);
    });

    it("refuses a 1 MB description, naming spec.description and the bound", async () => {
      const name = `huge-description-${suffix()}`;
      await assertRefused(
        await create("bob", task(name, { description: "x".repeat(1024 * 1024) })),
        "deploymenttask",
        name,
        ["spec.description", "may not be more than 4096"],
      );
    });

    it("refuses 10,000 owners and a 1 MB evidence note", async () => {
      const owners = Array.from({ length: 10_000 }, (_, i) => ({ name: `user-${i}` }));
      const a = `many-owners-${suffix()}`;
      await assertRefused(await create("bob", task(a, { owners })), "deploymenttask", a, [
        "spec.owners",
        "at most 100",
      ]);
      const b = `huge-notes-${suffix()}`;
      const checklist = [{ name: "scan", evidence: { notes: "n".repeat(1024 * 1024) } }];
      await assertRefused(await create("bob", task(b, { checklist })), "deploymenttask", b, [
        "spec.checklist[0].evidence.notes",
        "may not be more than 4096",
      ]);
    });

    it("reports a task whose Release does not exist (Accountable False, ReleaseNotFound) until it does", async () => {
      const missing = `ghost-${suffix()}`;
      const name = `orphan-${suffix()}`;
      const created = await create("bob", task(name, { releaseRef: { name: missing } }));
      assert.equal(created.code, 0, created.stderr);
      const orphan = await waitFor(`${name} to be reported`, async () => {
        const obj = await world.admin.get(resources.deploymentTask, name, world.namespace);
        return conditionOf(obj, "Accountable")?.status === "False" ? obj : undefined;
      });
      const accountable = conditionOf(orphan, "Accountable");
      assert.equal(accountable?.reason, "ReleaseNotFound");
      assert.match(
        accountable?.message ?? "",
        new RegExp(`spec\\.releaseRef\\.name names Release ${missing}`),
      );
      assert.match(accountable?.message ?? "", /create the Release, or correct spec\.releaseRef\.name/);
      const warned = await kubectl("bob", ["describe", "deploymenttask", name, "-n", world.namespace]);
      assert.match(warned.stdout, /ReleaseNotFound/);

      const made = await create("bob", release(missing));
      assert.equal(made.code, 0, made.stderr);
      await waitFor(`${name} to be Accountable once ${missing} exists`, async () => {
        const obj = await world.admin.get(resources.deploymentTask, name, world.namespace);
        return conditionOf(obj, "Accountable")?.status === "True" ? obj : undefined;
      });
    });

    it("reports a task without owners (Accountable False, NoOwners) with a Warning event", async () => {
      const name = `ownerless-${suffix()}`;
      const created = await create("bob", task(name, { owners: [] }));
      assert.equal(created.code, 0, created.stderr);
      const obj = await waitFor(`${name} to be reported`, async () => {
        const found = await world.admin.get(resources.deploymentTask, name, world.namespace);
        return conditionOf(found, "Accountable") === undefined ? undefined : found;
      });
      const accountable = conditionOf(obj, "Accountable");
      assert.deepEqual([accountable?.status, accountable?.reason], ["False", "NoOwners"]);
      assert.match(accountable?.message ?? "", /add at least one User or Group to spec\.owners/);
      const events = await waitFor("a NoOwners Warning event", async () => {
        const out = await kubectl("admin", ["get", "events", "-n", world.namespace, "-o", "json"]);
        const items = (
          JSON.parse(out.stdout) as {
            items: {
              reason: string;
              type: string;
              regarding?: { name?: string };
              involvedObject?: { name?: string };
            }[];
          }
        ).items;
        const found = items.filter(
          (e) => e.reason === "NoOwners" && (e.regarding?.name ?? e.involvedObject?.name) === name,
        );
        return found.length > 0 ? found : undefined;
      });
      assert.equal(events[0]?.type, "Warning");
    });
  });

  describe("Environments (admin: no other identity may write them)", () => {
    const environment = (name: string, gate: Record<string, unknown>) => ({
      apiVersion: API_VERSION,
      kind: "Environment",
      metadata: { name },
      spec: { gate },
    });

    async function createEnvironment(name: string, gate: Record<string, unknown>) {
      world.environments.push(name);
      return kubectl("admin", ["create", "-f", "-"], { input: JSON.stringify(environment(name, gate)) });
    }

    async function readyOf(name: string): Promise<Condition> {
      return waitFor(`Environment ${name} to report Ready`, async () => {
        const obj = await world.admin.get(resources.environment, name);
        return conditionOf(obj, "Ready");
      });
    }

    it("refuses a schedule in words at admission, naming the window's schedule and a cron example", async () => {
      const name = `words-${suffix()}`;
      const result = await createEnvironment(name, {
        windows: [{ schedule: "every tuesday", duration: "2h" }],
      });
      await assertRefused(result, "environment", name, [
        "spec.gate.windows[0].schedule",
        "five fields",
        "0 8 * * 1-5",
      ]);
    });

    it("holds an Environment whose time zone does not exist at Ready False InvalidWindow, naming the fix", async () => {
      const name = `mars-${suffix()}`;
      const result = await createEnvironment(name, {
        windows: [{ name: "office", schedule: "0 8 * * 1-5", duration: "4h", timeZone: "Mars/Olympus" }],
      });
      assert.equal(result.code, 0, result.stderr);
      const ready = await readyOf(name);
      assert.deepEqual([ready.status, ready.reason], ["False", "InvalidWindow"]);
      assert.match(
        ready.message,
        /spec\.gate\.windows\[0\] \(office\): timeZone "Mars\/Olympus" is not an IANA time zone/,
      );
      assert.match(ready.message, /Europe\/Berlin/);
    });

    it("holds an Environment whose schedule never fires at Ready False InvalidWindow", async () => {
      const name = `never-${suffix()}`;
      const result = await createEnvironment(name, { windows: [{ schedule: "0 0 30 2 *", duration: "4h" }] });
      assert.equal(result.code, 0, result.stderr);
      const ready = await readyOf(name);
      assert.deepEqual([ready.status, ready.reason], ["False", "InvalidWindow"]);
      assert.match(ready.message, /never fires/);
    });

    it("holds an Environment that requires approvals and names no approvers at Ready False NoApprovers", async () => {
      const name = `nobody-${suffix()}`;
      const result = await createEnvironment(name, { requiredApprovals: 2 });
      assert.equal(result.code, 0, result.stderr);
      const ready = await readyOf(name);
      assert.deepEqual([ready.status, ready.reason], ["False", "NoApprovers"]);
      assert.match(
        ready.message,
        /spec\.gate\.requiredApprovals is 2 but spec\.gate\.approvers names no users/,
      );
      assert.match(
        ready.message,
        /add users or groups to spec\.gate\.approvers, or set requiredApprovals to 0/,
      );
      const fixed = await kubectl("admin", [
        "patch",
        "environment",
        name,
        "--type",
        "merge",
        "-p",
        '{"spec":{"gate":{"approvers":{"groups":["approvers"]}}}}',
      ]);
      assert.equal(fixed.code, 0, fixed.stderr);
      await waitFor(`${name} to be Ready once approvers are named`, async () => {
        const obj = await world.admin.get(resources.environment, name);
        return conditionOf(obj, "Ready")?.status === "True" ? true : undefined;
      });
    });

    it("refuses 10,000 approvers, naming spec.gate.approvers.users and the bound", async () => {
      const name = `crowd-${suffix()}`;
      const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
      const result = await createEnvironment(name, { requiredApprovals: 1, approvers: { users } });
      await assertRefused(result, "environment", name, ["spec.gate.approvers.users", "at most 100"]);
    });
  });

  describe("Approvals (alice, an eligible approver)", () => {
    it("refuses a Defer dated in the past, naming revisitAt and the fix, on the audit trail; a future Defer passes", async () => {
      const name = `defer-${suffix()}`;
      const made = await create("admin", {
        apiVersion: API_VERSION,
        kind: "Approval",
        metadata: { name },
        spec: {
          changeRequestRef: { name: "shop-1-change" },
          required: 1,
          eligible: { groups: ["approvers"] },
        },
      });
      assert.equal(made.code, 0, made.stderr);
      const stored = await world.admin.get(resources.approval, name, world.namespace);
      const past = "2020-01-01T00:00:00Z";
      const refused = await kubectl("alice", [
        "patch",
        "approval",
        name,
        "-n",
        world.namespace,
        "--type",
        "merge",
        "-p",
        JSON.stringify({ spec: { decisions: { alice: { decision: "Defer", revisitAt: past } } } }),
      ]);
      assert.notEqual(refused.code, 0, "the past Defer was admitted");
      assert.match(refused.stderr, /RevisitInPast/);
      assert.match(refused.stderr, /spec\.decisions\["alice"\]\.revisitAt is 2020-01-01T00:00:00Z/);
      assert.match(refused.stderr, /set revisitAt later/);
      // The spec was not written: same generation, no decision (the operator may write status meanwhile).
      const unchanged = await world.admin.get(resources.approval, name, world.namespace);
      assert.equal(unchanged.metadata.generation, stored.metadata.generation);
      assert.deepEqual((unchanged.spec as { decisions?: object }).decisions ?? {}, {});
      const denials = await world.audit("AdmissionDenied");
      assert.ok(
        denials.some(
          (e) => e.actor === "alice" && e.object.name === name && e.details.rule === "RevisitInPast",
        ),
        JSON.stringify(denials),
      );

      const future = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
      const admitted = await kubectl("alice", [
        "patch",
        "approval",
        name,
        "-n",
        world.namespace,
        "--type",
        "merge",
        "-p",
        JSON.stringify({ spec: { decisions: { alice: { decision: "Defer", revisitAt: future } } } }),
      ]);
      assert.equal(admitted.code, 0, admitted.stderr);
    });
  });
});
