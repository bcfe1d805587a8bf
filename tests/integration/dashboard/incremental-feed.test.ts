// The dashboard's insight pages read the audit feed incrementally: a session's reader keeps what it read and asks
// the feed only for the entries after its cursor, with the user's own token on every request. Real feed (the
// operator's handler over a real file trail, reviews by the real API server), a ServiceAccount bound to
// stagegate-auditor; a refusal drops everything the reader kept.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileFeedSource } from "../../../src/audit/feed/file-source.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { FeedError, IncrementalFeed } from "../../../src/dashboard/feed-client.js";
import { builtin, type ResourceType } from "../../../src/runtime/kube/resource.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { serveFeed, type ServedFeed } from "../../support/audit-feed.js";
import { coreResources } from "../../support/core-resources.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { requestToken } from "../../support/service-account-token.js";

const clusterRoleBinding: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "clusterrolebindings",
  kind: "ClusterRoleBinding",
  namespaced: false,
};

describe("the dashboard's incremental read of the audit feed", { timeout: 300_000 }, () => {
  let admin: KubeClient;
  let namespace: string;
  let trail: AuditTrail;
  let feed: ServedFeed;
  let token: string;
  let dir: string;
  const binding = `incremental-feed-auditor-${randomBytes(3).toString("hex")}`;

  const bindAuditor = () =>
    admin.create(clusterRoleBinding, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: binding },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-auditor" },
      subjects: [{ kind: "ServiceAccount", namespace, name: "auditor" }],
    });

  const record = (n: number) =>
    trail.record({
      actor: "stagegate-operator",
      action: "GateWaitChanged",
      object: { kind: "Release", namespace, name: `shop-${n}`, uid: `u-${n}` },
      details: { environment: "prod", promotion: 1, categories: ["checks"] },
      transition: `Release/u-${n}/GateWaitChanged/prod/1/d`,
    });

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "incremental-feed");
    await admin.create(
      coreResources.serviceAccount,
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "auditor" } },
      namespace,
    );
    await bindAuditor();
    token = await requestToken(admin, namespace, "auditor");
    dir = mkdtempSync(path.join(tmpdir(), "stagegate-incremental-feed-"));
    const file = path.join(dir, "audit.jsonl");
    trail = await AuditTrail.open({ path: file });
    for (const n of [1, 2, 3]) await record(n);
    feed = await serveFeed(fileFeedSource(file));
  });
  after(async () => {
    await feed?.close();
    await trail?.close();
    await admin.delete(clusterRoleBinding, binding).catch(() => undefined);
    await admin.delete(builtin.namespace, namespace);
    admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the record once, then only the entries written since, and nothing when there are none", async () => {
    const reader = new IncrementalFeed({ url: feed.url, caPem: feed.caPem }, token);
    const first = await reader.read([{}]);
    assert.deepEqual(
      first.items.map((i) => [i.entry.seq, i.verified]),
      [
        [1, true],
        [2, true],
        [3, true],
      ],
    );
    assert.equal(reader.lastFetched, 3);

    await record(4);
    await record(5);
    const second = await reader.read([{}]);
    assert.deepEqual(
      second.items.map((i) => i.entry.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(reader.lastFetched, 2, "only the two new entries were sent");
    assert.equal(second.chain.intact, true);
    assert.equal(second.chain.verifiedThrough, 5);

    const third = await reader.read([{}]);
    assert.equal(third.items.length, 5);
    assert.equal(reader.lastFetched, 0, "nothing new, nothing sent");

    // Another filter is its own snapshot; an entry both select comes once.
    const both = await reader.read([{}, { namespace }]);
    assert.equal(both.items.length, 5);
    assert.equal(reader.lastFetched, 5, "the namespace filter was read from its start");
  });

  it("asks with the user's token every time, and drops what it kept when the feed refuses", async () => {
    const reader = new IncrementalFeed({ url: feed.url, caPem: feed.caPem }, token);
    await reader.read([{}]);
    await admin.delete(clusterRoleBinding, binding);
    const refused = await waitFor("the feed to refuse the unbound auditor", async () => {
      try {
        await reader.read([{}]);
        return undefined;
      } catch (error) {
        return error instanceof FeedError ? error : undefined;
      }
    });
    assert.equal(refused.status, 403, refused.message);

    await bindAuditor();
    const again = await waitFor("the feed to answer the bound auditor again", async () => {
      try {
        return await reader.read([{}]);
      } catch (error) {
        if (error instanceof FeedError && error.status === 403) return undefined;
        throw error;
      }
    });
    assert.equal(again.items.length, 5);
    assert.equal(reader.lastFetched, 5, "read from the start: nothing was kept across the refusal");
  });
});
