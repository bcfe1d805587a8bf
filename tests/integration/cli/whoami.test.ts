import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stagegateAs } from "./cli-helpers.js";

describe("stagegate whoami against the real API server", () => {
  it("prints alice and her group approvers", async () => {
    const result = await stagegateAs("alice", ["whoami"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^User: +alice$/m);
    assert.match(result.stdout, /^Groups: +approvers, system:authenticated$/m);
  });

  it("prints grace by her e-mail user name, as JSON with -o json", async () => {
    const result = await stagegateAs("grace", ["whoami", "-o", "json"]);
    assert.equal(result.code, 0, result.stderr);
    const me = JSON.parse(result.stdout) as { username: string; groups: string[] };
    assert.equal(me.username, "grace@example.com");
    assert.ok(me.groups.includes("approvers"), me.groups.join(","));
  });

  it("works for mallory too, who has no Stagegate role: every user may ask who they are", async () => {
    const result = await stagegateAs("mallory", ["whoami", "-o", "json"]);
    assert.equal(result.code, 0, result.stderr);
    const me = JSON.parse(result.stdout) as { username: string; groups: string[] };
    assert.deepEqual([me.username, me.groups], ["mallory", ["system:authenticated"]]);
  });

  it("fails with exit 1 and names --kubeconfig when the kubeconfig does not exist", async () => {
    const result = await stagegateAs({ kubeconfig: "/nonexistent/kubeconfig" }, ["whoami"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /cannot read the kubeconfig \/nonexistent\/kubeconfig: pass --kubeconfig FILE/,
    );
  });
});
