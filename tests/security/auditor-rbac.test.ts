// Part 9, least privilege for records: who may read the audit feed, the checkpoints and the Stagegate objects, and
// that nobody here can write the record or its checkpoints. Every identity is a ServiceAccount acting with its own
// token against the real API server and the feed (served as the operator serves it, reviews asked with the
// operator's RBAC); the roles are the shipped ones (config/rbac). docs/rbac.md ("Auditors") shows this table.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileFeedSource } from "../../src/audit/feed/file-source.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { getFeed, serveFeed, type ServedFeed } from "../support/audit-feed.js";
import { kubectl, testCluster } from "../support/cluster.js";
import { deleteIgnoringMissing } from "../support/controller-world.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { requestToken } from "../support/service-account-token.js";
import { makeScratch, writeTrail } from "../unit/audit/audit-fixtures.js";

type Identity = "auditor" | "namespace-editor" | "approver" | "developer" | "no-binding" | "unauthenticated";
type Action =
  | "read the feed"
  | "list checkpoints"
  | "list releases"
  | "forge a checkpoint"
  | "delete a checkpoint"
  | "create a release"
  | "write through the feed";

/** Allowed (the status a success answers), or refused: 401 for no identity, 403 for one without the right. */
const OK = "allowed";
const NO = "refused";
const TABLE: Record<Identity, Record<Action, typeof OK | typeof NO>> = {
  auditor: {
    "read the feed": OK,
    "list checkpoints": OK,
    "list releases": OK,
    "forge a checkpoint": NO,
    "delete a checkpoint": NO,
    "create a release": NO,
    "write through the feed": NO,
  },
  "namespace-editor": {
    "read the feed": NO,
    "list checkpoints": NO,
    "list releases": NO,
    "forge a checkpoint": NO,
    "delete a checkpoint": NO,
    "create a release": NO,
    "write through the feed": NO,
  },
  approver: {
    "read the feed": NO,
    "list checkpoints": NO,
    "list releases": OK,
    "forge a checkpoint": NO,
    "delete a checkpoint": NO,
    "create a release": NO,
    "write through the feed": NO,
  },
  developer: {
    "read the feed": NO,
    "list checkpoints": NO,
    "list releases": OK,
    "forge a checkpoint": NO,
    "delete a checkpoint": NO,
    "create a release": OK,
    "write through the feed": NO,
  },
  "no-binding": {
    "read the feed": NO,
    "list checkpoints": NO,
    "list releases": NO,
    "forge a checkpoint": NO,
    "delete a checkpoint": NO,
    "create a release": NO,
    "write through the feed": NO,
  },
  unauthenticated: {
    "read the feed": NO,
    "list checkpoints": NO,
    "list releases": NO,
    "forge a checkpoint": NO,
    "delete a checkpoint": NO,
    "create a release": NO,
    "write through the feed": NO,
  },
};

const CHECKPOINTS = "/api/v1/namespaces/stagegate-system/configmaps";

/** One HTTPS request as `token`; a 429 (the API server's flow control, Retry-After) is asked again, a few times. */
async function call(
  base: string,
  caPem: string,
  token: string | undefined,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const status = await callOnce(base, caPem, token, method, pathAndQuery, body);
    if (status !== 429 || attempt === 5) return status;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

/** One HTTPS request as `token` (undefined: no Authorization header); the status. */
function callOnce(
  base: string,
  caPem: string,
  token: string | undefined,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<number> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    https
      .request(new URL(pathAndQuery, base), {
        method,
        ca: caPem,
        agent: false,
        headers: {
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
          ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
        },
      })
      .on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject)
      .end(payload);
  });
}

describe("least privilege for records: who may read and export what", () => {
  let admin: KubeClient;
  let namespace = "";
  let feed: ServedFeed;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  const tokens = new Map<Identity, string | undefined>();
  const suffix = `${process.pid}`;
  const checkpoint = `stagegate-audit-checkpoint-rbac-test-${suffix}`;
  const bindings: string[][] = [];

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "auditor-rbac");
    const accounts: [Identity, string[][]][] = [
      [
        "auditor",
        [
          ["create", "clusterrolebinding", `auditor-rbac-${suffix}`, "--clusterrole=stagegate-auditor"],
          [
            "-n",
            "stagegate-system",
            "create",
            "rolebinding",
            `auditor-rbac-${suffix}`,
            "--role=stagegate-auditor-checkpoints",
          ],
        ],
      ],
      ["namespace-editor", [["-n", namespace, "create", "rolebinding", "editor", "--clusterrole=edit"]]],
      [
        "approver",
        [["-n", namespace, "create", "rolebinding", "approver", "--clusterrole=stagegate-approver"]],
      ],
      [
        "developer",
        [["-n", namespace, "create", "rolebinding", "developer", "--clusterrole=stagegate-release-manager"]],
      ],
      ["no-binding", []],
    ];
    for (const [identity, binds] of accounts) {
      const created = await kubectl("admin", ["-n", namespace, "create", "serviceaccount", identity]);
      assert.equal(created.code, 0, created.stderr);
      for (const bind of binds) {
        const bound = await kubectl("admin", [...bind, `--serviceaccount=${namespace}:${identity}`]);
        assert.equal(bound.code, 0, bound.stderr);
        bindings.push(bind);
      }
      tokens.set(identity, await requestToken(admin, namespace, identity));
    }
    tokens.set("unauthenticated", undefined);
    await admin.create(
      builtin.configMap,
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: checkpoint, labels: { "stagegate.io/audit-checkpoint": "true" } },
        data: { checkpoint: "{}" },
        immutable: true,
      },
      "stagegate-system",
    );
    scratch = await makeScratch();
    const trail = path.join(scratch.dir, "audit.jsonl");
    await writeTrail(trail, 3);
    feed = await serveFeed(fileFeedSource(trail));
  });
  after(async () => {
    await feed?.close();
    await scratch?.cleanup();
    await kubectl("admin", ["delete", "clusterrolebinding", `auditor-rbac-${suffix}`, "--ignore-not-found"]);
    await kubectl("admin", [
      "-n",
      "stagegate-system",
      "delete",
      "rolebinding",
      `auditor-rbac-${suffix}`,
      "--ignore-not-found",
    ]);
    if (admin !== undefined) {
      await deleteIgnoringMissing(admin, builtin.configMap, checkpoint, "stagegate-system");
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
  });

  /** What each action answers for `token`: its status. */
  function perform(token: string | undefined, action: Action): Promise<number> {
    const cluster = testCluster();
    const api = (method: string, p: string, body?: unknown) =>
      call(cluster.server, readFileSync(cluster.caFile, "utf8"), token, method, p, body);
    switch (action) {
      case "read the feed":
        return getFeed(feed, token ?? null, "/audit/v1/records").then((answer) => answer.status);
      case "write through the feed":
        return call(feed.url, feed.caPem, token, "POST", "/audit/v1/records", { entries: [] });
      case "list checkpoints":
        return api("GET", `${CHECKPOINTS}?labelSelector=stagegate.io%2Faudit-checkpoint%3Dtrue`);
      case "list releases":
        return api("GET", `/apis/stagegate.io/v1alpha1/namespaces/${namespace}/releases`);
      case "forge a checkpoint":
        return api("POST", CHECKPOINTS, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { generateName: "stagegate-audit-checkpoint-forged-" },
          data: { checkpoint: "{}" },
        });
      case "delete a checkpoint":
        return api("DELETE", `${CHECKPOINTS}/${checkpoint}`);
      case "create a release":
        return api("POST", `/apis/stagegate.io/v1alpha1/namespaces/${namespace}/releases?dryRun=All`, {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Release",
          metadata: { name: "rbac-probe" },
          spec: {},
        });
    }
  }

  for (const [identity, row] of Object.entries(TABLE) as [Identity, Record<Action, string>][]) {
    for (const [action, expected] of Object.entries(row) as [Action, string][]) {
      it(`${identity}: ${action} is ${expected}`, async () => {
        const status = await perform(tokens.get(identity), action);
        if (expected === OK) {
          // A dry-run create may still fail validation (400/422): authorisation let it through.
          assert.ok(status < 300 || status === 400 || status === 422, `${identity} ${action}: ${status}`);
        } else if (action === "write through the feed") {
          assert.equal(status, 405, `${identity} ${action}: the feed has no write method`);
        } else if (identity === "unauthenticated" && action === "read the feed") {
          assert.equal(status, 401);
        } else {
          assert.ok(status === 401 || status === 403, `${identity} ${action}: ${status}`);
        }
      });
    }
  }

  it("leaves the checkpoint as it was after every attempt", async () => {
    const stored = (await admin.get(builtin.configMap, checkpoint, "stagegate-system")) as {
      data?: Record<string, string>;
    };
    assert.deepEqual(stored.data, { checkpoint: "{}" });
  });
});
