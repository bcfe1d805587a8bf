import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  IDENTITIES,
  isPidAlive,
  readClusterDescription,
  startLocalCluster,
  type LocalCluster,
} from "../../../hack/local-cluster/index.js";
import { kubectl, testCluster, TestClusterUnavailableError } from "../../support/cluster.js";

/** The answer of `kubectl auth whoami -o json`. */
interface SelfSubjectReview {
  readonly status: { readonly userInfo: { readonly username: string; readonly groups: readonly string[] } };
}

/** The parts of a CRD the assertions read. */
interface Crd {
  readonly spec: { readonly versions: readonly { readonly name: string; readonly served: boolean }[] };
  readonly status: { readonly conditions: readonly { readonly type: string; readonly status: string }[] };
}

const THIRD_PARTY = [
  { crd: "applications.argoproj.io", served: "v1alpha1" },
  { crd: "appprojects.argoproj.io", served: "v1alpha1" },
  { crd: "kustomizations.kustomize.toolkit.fluxcd.io", served: "v1" },
  { crd: "helmreleases.helm.toolkit.fluxcd.io", served: "v2" },
  { crd: "gitrepositories.source.toolkit.fluxcd.io", served: "v1" },
  { crd: "helmrepositories.source.toolkit.fluxcd.io", served: "v1" },
  { crd: "helmcharts.source.toolkit.fluxcd.io", served: "v1" },
];

void describe("local cluster with third-party CRDs", () => {
  let cluster: LocalCluster;

  before(
    async (t) => {
      const started = Date.now();
      cluster = await startLocalCluster();
      t.diagnostic(`cluster with third-party CRDs started in ${Date.now() - started} ms`);
      process.env.STAGEGATE_TEST_CLUSTER = join(cluster.dir, "cluster.json");
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await cluster?.stop();
  });

  void test("the apiserver answers /version with the pinned release", async () => {
    const result = await kubectl("admin", ["get", "--raw", "/version"]);
    assert.equal(result.code, 0, result.stderr);
    const version = JSON.parse(result.stdout) as { gitVersion: string; major: string; minor: string };
    assert.equal(version.gitVersion, "v1.36.3");
    assert.equal(cluster.version, "v1.36.3");
    assert.deepEqual([version.major, version.minor], ["1", "36"]);
  });

  void test("cluster.json describes the running cluster", () => {
    const description = readClusterDescription(join(cluster.dir, "cluster.json"));
    assert.equal(description.server, cluster.server);
    assert.equal(description.pids.etcd, cluster.etcd.pid);
    assert.equal(description.pids.apiserver, cluster.apiserver.pid);
    assert.deepEqual(Object.keys(description.kubeconfigs).sort(), IDENTITIES.map((i) => i.name).sort());
    assert.deepEqual(testCluster(), description);
  });

  void test("every identity authenticates as its user with its groups", async () => {
    await Promise.all(
      IDENTITIES.map(async (identity) => {
        const result = await kubectl(identity.name, ["auth", "whoami", "-o", "json"]);
        assert.equal(result.code, 0, `${identity.name}: ${result.stderr}`);
        const review = JSON.parse(result.stdout) as SelfSubjectReview;
        assert.equal(review.status.userInfo.username, identity.user);
        assert.deepEqual(
          [...review.status.userInfo.groups].sort(),
          [...identity.groups, "system:authenticated"].sort(),
        );
      }),
    );
  });

  void test("RBAC is real: mallory cannot list namespaces, admin can, the operator is no master", async () => {
    const denied = await kubectl("mallory", ["get", "namespaces"]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Forbidden.*cannot list resource "namespaces"/);
    const allowed = await kubectl("admin", ["get", "namespaces", "-o", "name"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /namespace\/default/);
    const operatorWildcard = await kubectl("operator", ["auth", "can-i", "*", "*"]);
    assert.equal(operatorWildcard.stdout.trim(), "no");
  });

  void test("a group binding grants its members and nobody else", async () => {
    const ns = "rbac-groups";
    const setup = [
      ["create", "namespace", ns],
      ["create", "role", "cm-reader", "-n", ns, "--verb=list", "--resource=configmaps"],
      ["create", "rolebinding", "approvers-read", "-n", ns, "--role=cm-reader", "--group=approvers"],
    ];
    for (const args of setup) {
      const result = await kubectl("admin", args);
      assert.equal(result.code, 0, result.stderr);
    }
    const canList = async (who: "alice" | "carol" | "bob" | "mallory") =>
      (await kubectl(who, ["auth", "can-i", "list", "configmaps", "-n", ns])).stdout.trim();
    assert.deepEqual(
      await Promise.all([canList("alice"), canList("carol"), canList("bob"), canList("mallory")]),
      ["yes", "yes", "no", "no"],
    );
  });

  void test("the Argo CD and Flux CRDs are Established and serve the expected versions", async () => {
    for (const { crd, served } of THIRD_PARTY) {
      const result = await kubectl("admin", ["get", "crd", crd, "-o", "json"]);
      assert.equal(result.code, 0, result.stderr);
      const object = JSON.parse(result.stdout) as Crd;
      const established = object.status.conditions.find((c) => c.type === "Established");
      assert.equal(established?.status, "True", crd);
      assert.ok(
        object.spec.versions.some((v) => v.name === served && v.served),
        `${crd} serves ${served}`,
      );
    }
  });

  void test("an Argo CD Application can be created and read back", async () => {
    const created = await kubectl("admin", ["create", "namespace", "argocd"]);
    assert.equal(created.code, 0, created.stderr);
    const application = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: "guestbook", namespace: "argocd" },
      spec: {
        project: "default",
        source: {
          repoURL: "https://example.invalid/guestbook.git",
          path: "guestbook",
          targetRevision: "HEAD",
        },
        destination: { server: "https://kubernetes.default.svc", namespace: "guestbook" },
      },
    };
    const applied = await kubectl("admin", ["apply", "-f", "-"], { input: JSON.stringify(application) });
    assert.equal(applied.code, 0, applied.stderr);
    const read = await kubectl("admin", [
      "get",
      "applications.argoproj.io",
      "guestbook",
      "-n",
      "argocd",
      "-o",
      "json",
    ]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal((JSON.parse(read.stdout) as typeof application).spec.source.path, "guestbook");
  });

  void test("testCluster() names make cluster-up when no description exists", () => {
    const saved = process.env.STAGEGATE_TEST_CLUSTER;
    process.env.STAGEGATE_TEST_CLUSTER = join(cluster.dir, "does-not-exist.json");
    try {
      assert.throws(
        () => testCluster(),
        (error: unknown) => {
          assert.ok(error instanceof TestClusterUnavailableError);
          assert.match(error.message, /make cluster-up/);
          return true;
        },
      );
    } finally {
      process.env.STAGEGATE_TEST_CLUSTER = saved;
    }
  });

  void test("stop({ keepLogs }) ends both processes and keeps the logs", async () => {
    const pids = [cluster.etcd.pid, cluster.apiserver.pid];
    await cluster.stop({ keepLogs: true });
    for (const pid of pids) assert.equal(isPidAlive(pid ?? -1), false, `pid ${pid} is still alive`);
    assert.ok(existsSync(cluster.apiserver.logFile));
    assert.ok(existsSync(cluster.etcd.logFile));
    await rm(cluster.dir, { recursive: true, force: true });
  });
});
