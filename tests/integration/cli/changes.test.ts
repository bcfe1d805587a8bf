import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import type { ChangeSummary } from "../../../src/cli/verbs/changes.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { openChange, stagegateAs } from "./cli-helpers.js";

/** The names `stagegate changes -o json` lists for one identity. */
async function listedFor(identity: "alice" | "carol" | "grace" | "bob", args: string[]): Promise<string[]> {
  const result = await stagegateAs(identity, ["changes", ...args, "-o", "json"]);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as ChangeSummary[]).map((change) => change.name);
}

describe("stagegate changes against the real API server", () => {
  let admin: KubeClient;
  let ns = "";
  before(async () => {
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "cli-changes");
  });
  after(async () => {
    await admin.delete(builtin.namespace, ns);
    admin.close();
  });

  it("lists a change as pending for carol, and no longer for alice once she has decided", async () => {
    await openChange(admin, ns, "pending-one");
    assert.ok((await listedFor("alice", ["--pending-for-me", "-n", ns])).includes("pending-one"));
    const approve = await stagegateAs("alice", ["approve", "pending-one", "-n", ns]);
    assert.equal(approve.code, 0, approve.stderr);

    assert.ok((await listedFor("carol", ["--pending-for-me", "-n", ns])).includes("pending-one"));
    assert.ok(!(await listedFor("alice", ["--pending-for-me", "-n", ns])).includes("pending-one"));
    assert.ok(
      (await listedFor("alice", ["-n", ns])).includes("pending-one"),
      "still listed without the filter",
    );
  });

  it("leaves out changes where I am excluded or not eligible", async () => {
    await openChange(admin, ns, "grace-authored", {
      excluded: [{ user: "grace@example.com", reason: "authored commit 3f2a1c9" }],
    });
    await openChange(admin, ns, "cab-only", { eligible: { groups: ["cab"] } });
    const grace = await listedFor("grace", ["--pending-for-me", "-n", ns]);
    assert.ok(!grace.includes("grace-authored") && !grace.includes("cab-only"), grace.join(","));
    const carol = await listedFor("carol", ["--pending-for-me", "-n", ns]);
    assert.ok(carol.includes("grace-authored") && carol.includes("cab-only"), carol.join(","));
  });

  it("lists only the changes a label selector keeps, and names a selector the API server cannot read", async () => {
    await openChange(admin, ns, "payments-change", { labels: { "stagegate.io/team": "payments" } });
    await openChange(admin, ns, "shop-change", { labels: { "stagegate.io/team": "shop" } });
    const payments = await listedFor("bob", ["-n", ns, "-l", "stagegate.io/team=payments"]);
    assert.deepEqual(payments, ["payments-change"]);
    const notShop = await listedFor("bob", [
      "-n",
      ns,
      "-l",
      "stagegate.io/team in (payments,shop),stagegate.io/team!=shop",
    ]);
    assert.deepEqual(notShop, ["payments-change"]);
    const bad = await stagegateAs("bob", ["changes", "-n", ns, "-l", "team in payments"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /list ChangeRequests with -l "team in payments".*unable to parse requirement/);
  });

  it("prints a table with type, environment, risk, resolution and the Approval's progress", async () => {
    await openChange(admin, ns, "table-row");
    const result = await stagegateAs("bob", ["changes", "-n", ns]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^NAME +RELEASE +ENVIRONMENT +TYPE +RISK +RESOLUTION +APPROVAL$/m);
    assert.match(result.stdout, /^table-row +payments-api-2\.14\.0 +prod +Normal +- +- +Pending 0\/2$/m);
  });

  it("lists across namespaces with -A, and in the kubeconfig context's namespace without -n", async () => {
    await openChange(admin, ns, "context-ns");
    const all = await stagegateAs("carol", ["changes", "-A"]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, new RegExp(`^${ns} +context-ns +`, "m"));

    const config = parse(readFileSync(kubeconfigPath("carol"), "utf8")) as {
      contexts: { context: Record<string, string> }[];
    };
    for (const entry of config.contexts) entry.context.namespace = ns;
    const file = path.join(await mkdtemp(path.join(tmpdir(), "stagegate-cli-")), "carol-in-ns.kubeconfig");
    await writeFile(file, stringify(config), { mode: 0o600 });
    const scoped = await stagegateAs({ kubeconfig: file }, ["changes", "-o", "json"]);
    assert.equal(scoped.code, 0, scoped.stderr);
    assert.ok(
      (JSON.parse(scoped.stdout) as ChangeSummary[]).some(
        (c) => c.name === "context-ns" && c.namespace === ns,
      ),
    );
  });

  it("fails with exit 1 and RBAC's Forbidden for mallory", async () => {
    const result = await stagegateAs("mallory", ["changes", "-n", ns]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused to list ChangeRequests \(Forbidden\): .*User "mallory" cannot list/);
  });
});
