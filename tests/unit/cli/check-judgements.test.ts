import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { judgeAuditProbe } from "../../../src/cli/check/audit-storage.js";
import { runChecks, type Check, type CheckContext } from "../../../src/cli/check/check-context.js";
import { formatCheckReport, formatSummary, type CheckReport } from "../../../src/cli/check/check-format.js";
import { summarize, type CheckResult } from "../../../src/cli/check/check-result.js";
import { crdContract, digestOf, firstDifference } from "../../../src/cli/check/crd-comparison.js";
import { expectedCrds, judgeCrds } from "../../../src/cli/check/crds.js";
import { judgeDelivery } from "../../../src/cli/check/delivery.js";
import { judgeLease, judgeReadiness } from "../../../src/cli/check/operator-lease.js";
import { judgeRbac } from "../../../src/cli/check/operator-rbac.js";
import type { Binding, RbacWorld, RulesReview } from "../../../src/cli/check/rbac-review.js";
import {
  readShippedOperatorRoles,
  SHIPPED_OPERATOR_ROLE_FILE,
  type ShippedOperatorRoles,
} from "../../../src/cli/check/shipped-rbac.js";
import {
  covers,
  describePermissions,
  permissionsOf,
  uncovered,
  type PolicyRule,
} from "../../../src/cli/check/rbac-rules.js";
import { classifyProbeError, type ProbeOutcome } from "../../../src/cli/check/webhook-probes.js";
import { ApiError, TransportError } from "../../../src/runtime/kube/api-error.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const repo = path.join(import.meta.dirname, "..", "..", "..");
const NOW = new Date("2026-12-08T10:00:00Z");

describe("stagegate check: RBAC rules", () => {
  const rules: PolicyRule[] = [
    { verbs: ["get", "list"], apiGroups: ["stagegate.io"], resources: ["releases", "releases/status"] },
    { verbs: ["*"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["one"] },
    { verbs: ["get"], apiGroups: ["apps"], resources: ["*/scale"] },
    { verbs: ["get"], nonResourceURLs: ["/metrics", "/logs/*"] },
  ];
  const rows: [string, Parameters<typeof covers>[1], boolean][] = [
    [
      "a listed verb on a listed resource",
      { kind: "resource", verb: "list", group: "stagegate.io", resource: "releases" },
      true,
    ],
    [
      "a verb not listed",
      { kind: "resource", verb: "delete", group: "stagegate.io", resource: "releases" },
      false,
    ],
    [
      "a subresource listed",
      { kind: "resource", verb: "get", group: "stagegate.io", resource: "releases/status" },
      true,
    ],
    ["another group", { kind: "resource", verb: "get", group: "apps", resource: "releases" }, false],
    [
      "the named object of a resourceNames rule",
      { kind: "resource", verb: "update", group: "", resource: "configmaps", name: "one" },
      true,
    ],
    [
      "every object of a resourceNames rule",
      { kind: "resource", verb: "update", group: "", resource: "configmaps" },
      false,
    ],
    [
      "a subresource by */scale",
      { kind: "resource", verb: "get", group: "apps", resource: "deployments/scale" },
      true,
    ],
    [
      "a granted wildcard, which only a wildcard covers",
      { kind: "resource", verb: "*", group: "stagegate.io", resource: "releases" },
      false,
    ],
    ["a URL", { kind: "url", verb: "get", url: "/metrics" }, true],
    ["a URL under a prefix", { kind: "url", verb: "get", url: "/logs/kubelet" }, true],
    ["another URL", { kind: "url", verb: "get", url: "/debug" }, false],
  ];
  for (const [what, permission, expected] of rows) {
    it(`${expected ? "covers" : "does not cover"} ${what}`, () => {
      assert.equal(
        rules.some((rule) => covers(rule, permission)),
        expected,
      );
    });
  }

  it("finds what a grant adds to the shipped rules, and says it by resource", () => {
    const granted: PolicyRule[] = [
      { verbs: ["get", "list"], apiGroups: ["stagegate.io"], resources: ["releases"] },
      { verbs: ["get", "list"], apiGroups: [""], resources: ["secrets"] },
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
    ];
    assert.deepEqual(describePermissions(uncovered(permissionsOf(granted), rules)), [
      "every verb (*) on every resource of every API group",
      "get, list on secrets (core group)",
    ]);
  });
});

describe("stagegate check: the operator's RBAC", () => {
  const shipped: ShippedOperatorRoles = {
    file: "/repo/config/rbac/operator-role.yaml",
    label: "config/rbac/operator-role.yaml",
    clusterRole: {
      name: "stagegate-operator",
      rules: [{ verbs: ["get", "list", "watch"], apiGroups: ["stagegate.io"], resources: ["releases"] }],
    },
    role: {
      name: "stagegate-leader-election",
      rules: [
        { verbs: ["get", "create", "update"], apiGroups: ["coordination.k8s.io"], resources: ["leases"] },
      ],
    },
    optionalRoles: [],
  };
  const review = (rules: PolicyRule[], incomplete = false): RulesReview => ({
    resourceRules: rules.filter((r) => r.nonResourceURLs === undefined),
    nonResourceRules: rules.filter((r) => r.nonResourceURLs !== undefined),
    incomplete,
  });
  const everyone: PolicyRule[] = [
    { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectrulesreviews"] },
  ];
  const binding = (name: string, role: string): Binding => ({
    metadata: { name },
    roleRef: { kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: "stagegate-operator", namespace: "stagegate-system" }],
  });
  const world = (granted: PolicyRule[], bindings: Binding[] = [], incomplete = false): RbacWorld => ({
    account: "stagegate-system/stagegate-operator",
    namespace: "stagegate-system",
    bindings,
    defaults: [],
    everyServiceAccount: [],
    reviews: [
      {
        namespace: "stagegate-system",
        granted: review([...granted, ...everyone], incomplete),
        baseline: review(everyone),
      },
    ],
  });
  const exactly = [...shipped.clusterRole.rules, ...(shipped.role?.rules ?? [])];

  it("passes exactly the shipped rules, beyond what everyone may", () => {
    assert.equal(
      judgeRbac(world(exactly, [binding("stagegate-operator", "stagegate-operator")]), shipped).status,
      "pass",
    );
  });

  it("fails an extra permission, naming the binding beyond the shipped ones", () => {
    const verdict = judgeRbac(
      world(
        [...exactly, { verbs: ["get"], apiGroups: [""], resources: ["secrets"] }],
        [binding("debug", "secret-reader")],
      ),
      shipped,
    );
    assert.equal(verdict.status, "fail");
    assert.deepEqual(verdict.details, [
      "stagegate-system/stagegate-operator may do more than shipped in stagegate-system (or cluster-wide): get on secrets (core group).",
      "Bindings beyond the shipped ones name it: ClusterRoleBinding debug (ClusterRole secret-reader).",
    ]);
    assert.match(verdict.fix ?? "", /^Delete the extra bindings \(ClusterRoleBinding debug/);
  });

  it("fails an edited shipped role, a missing permission, and warns on an incomplete answer", () => {
    const edited = judgeRbac(
      world([...exactly, { verbs: ["delete"], apiGroups: ["stagegate.io"], resources: ["releases"] }]),
      shipped,
    );
    assert.equal(edited.status, "fail");
    assert.match(
      edited.fix ?? "",
      /^Re-apply config\/rbac\/operator-role.yaml: the shipped roles were edited/,
    );
    const lacking = judgeRbac(world(shipped.clusterRole.rules), shipped);
    assert.equal(lacking.status, "fail");
    assert.match(
      lacking.details[0] ?? "",
      /lacks what the operator needs: create, get, update on leases\.coordination\.k8s\.io/,
    );
    assert.equal(judgeRbac(world(exactly, [], true), shipped).status, "warn");
  });

  it("allows the shipped certificate roles by name, without requiring them", () => {
    const secretByName: PolicyRule = {
      verbs: ["list", "watch", "patch"],
      apiGroups: [""],
      resources: ["secrets"],
      resourceNames: ["stagegate-webhook-certs"],
    };
    const withCertificate: ShippedOperatorRoles = {
      ...shipped,
      certificate: {
        file: "/repo/config/rbac/webhook-certificate-role.yaml",
        clusterRole: { name: "stagegate-webhook-ca-injector", rules: [] },
        role: { name: "stagegate-webhook-certificate", rules: [secretByName] },
      },
    };
    const bound = judgeRbac(
      world(
        [...exactly, secretByName],
        [binding("stagegate-webhook-certificate", "stagegate-webhook-certificate")],
      ),
      withCertificate,
    );
    assert.equal(bound.status, "pass", JSON.stringify(bound));
    assert.equal(judgeRbac(world(exactly), withCertificate).status, "pass", "another certificate source");
    const everySecret = judgeRbac(
      world([...exactly, { verbs: ["list"], apiGroups: [""], resources: ["secrets"] }]),
      withCertificate,
    );
    assert.equal(everySecret.status, "fail", "the Secret's name does not stand for every Secret");
    assert.match(
      everySecret.details[0] ?? "",
      /may do more than shipped .*: list on secrets \(core group\)\.$/,
    );
  });
});

describe("stagegate check: a namespace's opt-in to notifications", () => {
  const shipped: ShippedOperatorRoles = {
    file: "/repo/config/rbac/operator-role.yaml",
    label: "config/rbac/operator-role.yaml",
    clusterRole: {
      name: "stagegate-operator",
      rules: [{ verbs: ["get", "list", "watch"], apiGroups: ["stagegate.io"], resources: ["releases"] }],
    },
    role: undefined,
    optionalRoles: [],
  };
  const getSecrets: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["secrets"] };
  const review = (rules: PolicyRule[]): RulesReview => ({
    resourceRules: rules,
    nonResourceRules: [],
    incomplete: false,
  });
  const teamBinding = (role: string): Binding => ({
    metadata: { name: "stagegate-notification-secrets", namespace: "payments" },
    roleRef: { kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: "stagegate-operator", namespace: "stagegate-system" }],
  });
  const world = (teamRules: PolicyRule[], role: string): RbacWorld => ({
    account: "stagegate-system/stagegate-operator",
    namespace: "stagegate-system",
    bindings: [teamBinding(role)],
    defaults: [],
    everyServiceAccount: [],
    reviews: [
      { namespace: "stagegate-system", granted: review(shipped.clusterRole.rules), baseline: review([]) },
      {
        namespace: "payments",
        granted: review([...shipped.clusterRole.rules, ...teamRules]),
        baseline: review([]),
      },
    ],
  });

  it("allows get on Secrets where stagegate-notification-secrets is bound, and nothing more", () => {
    const bound = judgeRbac(world([getSecrets], "stagegate-notification-secrets"), shipped);
    assert.equal(bound.status, "pass", JSON.stringify(bound));
    const edited = judgeRbac(
      world(
        [getSecrets, { verbs: ["list"], apiGroups: [""], resources: ["secrets"] }],
        "stagegate-notification-secrets",
      ),
      shipped,
    );
    assert.equal(edited.status, "fail");
    assert.match(
      edited.details[0] ?? "",
      /may do more than shipped in payments: list on secrets \(core group\)\.$/,
    );
    const otherRole = judgeRbac(world([getSecrets], "secret-reader"), shipped);
    assert.equal(otherRole.status, "fail", "only the shipped role's name opts a namespace in");
  });
});

describe("stagegate check: the operator's optional roles", () => {
  it("allows the audit checkpoint and audit push Roles by name, bound or not, and nothing more", async () => {
    const shipped = await readShippedOperatorRoles(SHIPPED_OPERATOR_ROLE_FILE);
    assert.deepEqual(
      shipped.optionalRoles.map((r) => r.name),
      ["stagegate-audit-checkpoints", "stagegate-audit-push"],
    );
    assert.equal(
      shipped.role?.name,
      "stagegate-leader-election",
      "the Role every operator needs comes first",
    );
  });
});

describe("stagegate check: CRDs", () => {
  it("generates exactly the contract of the CRDs in crds/ (what an install applies)", () => {
    const files = readdirSync(path.join(repo, "crds")).filter((f) => f.startsWith("stagegate.io_"));
    const onDisk = new Map(
      files.map((file) => {
        const crd = parse(readFileSync(path.join(repo, "crds", file), "utf8")) as {
          metadata: { name: string };
        };
        return [crd.metadata.name, crd];
      }),
    );
    for (const { name, crd } of expectedCrds()) {
      assert.equal(digestOf(crdContract(onDisk.get(name))), digestOf(crdContract(crd)), name);
    }
    assert.equal(onDisk.size, expectedCrds().length);
  });

  it("names the first difference by its path, with named list items", () => {
    const want = {
      versions: [{ name: "v1alpha1", schema: { properties: { a: { type: "string" }, b: {} } } }],
    };
    const older = { versions: [{ name: "v1alpha1", schema: { properties: { a: { type: "string" } } } }] };
    const retyped = {
      versions: [{ name: "v1alpha1", schema: { properties: { a: { type: "integer" }, b: {} } } }],
    };
    assert.equal(firstDifference(want, want), undefined);
    assert.equal(
      firstDifference(want, older),
      "versions[v1alpha1].schema.properties.b is missing in the served CRD",
    );
    assert.equal(
      firstDifference(older, want),
      "versions[v1alpha1].schema.properties.b is in the served CRD but not in this build's",
    );
    assert.equal(
      firstDifference(want, retyped),
      'versions[v1alpha1].schema.properties.a.type is "integer" in the served CRD, "string" in this build\'s',
    );
    assert.equal(digestOf({ b: 1, a: 2 }), digestOf({ a: 2, b: 1 }));
  });

  const served = (
    crd: unknown,
    conditions = [
      { type: "Established", status: "True" },
      { type: "NamesAccepted", status: "True" },
    ],
  ) => ({ ...(crd as object), status: { conditions } }) as unknown as KubeObject;

  it("passes the served CRDs of this build, and fails a missing, unestablished or different one", () => {
    const expected = expectedCrds();
    const all = expected.map(({ crd }) => served(crd));
    assert.equal(judgeCrds(expected, all).status, "pass");
    const [first, second, third, ...rest] = expected;
    assert.ok(first && second && third);
    const edited = structuredClone(third.crd) as { spec: { names: { shortNames: string[] } } };
    const shipped = edited.spec.names.shortNames[0];
    edited.spec.names.shortNames = ["old"];
    const verdict = judgeCrds(expected, [
      served(second.crd, [{ type: "Established", status: "False" }]),
      served(edited),
      ...rest.map(({ crd }) => served(crd)),
    ]);
    assert.equal(verdict.status, "fail");
    assert.match(verdict.fix ?? "", /kubectl apply --server-side -f crds\//);
    assert.deepEqual(
      verdict.details.map((d) => d.replace(/\(served \w+, this build \w+\)/, "(...)")),
      [
        `CRD ${first.name} is not installed.`,
        `CRD ${second.name} is not Established.`,
        `CRD ${second.name} is not NamesAccepted.`,
        `CRD ${third.name} differs from this build's (...): names.shortNames[0] is "old" in the served CRD, ` +
          `${JSON.stringify(shipped)} in this build's.`,
      ],
    );
  });
});

const lease = (spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: "stagegate-operator", namespace: "stagegate-system" },
  spec,
});

describe("stagegate check: leader and readiness", () => {
  const renewed = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();
  const rows: [string, KubeObject | undefined, string, RegExp][] = [
    ["no Lease", undefined, "fail", /There is no Lease stagegate-system\/stagegate-operator/],
    ["a released Lease", lease({ holderIdentity: "", leaseDurationSeconds: 1 }), "fail", /Nobody holds/],
    [
      "a fresh Lease",
      lease({ holderIdentity: "pod-a", leaseDurationSeconds: 15, renewTime: renewed(2_000) }),
      "pass",
      /pod-a leads: it renewed .* 2s ago/,
    ],
    [
      "a Lease renewed within its duration and the skew allowance",
      lease({ holderIdentity: "pod-a", leaseDurationSeconds: 15, renewTime: renewed(19_000) }),
      "pass",
      /pod-a leads/,
    ],
    [
      "a stale Lease",
      lease({ holderIdentity: "pod-a", leaseDurationSeconds: 15, renewTime: renewed(21_000) }),
      "fail",
      /is stale: last renewed 21s ago/,
    ],
  ];
  for (const [what, found, status, message] of rows) {
    it(`judges ${what}: ${status}`, () => {
      const verdict = judgeLease(found, "stagegate-system/stagegate-operator", NOW);
      assert.equal(verdict.status, status);
      assert.match(verdict.message, message);
      if (status === "fail") assert.ok(verdict.fix);
    });
  }

  const pod = (name: string, ready: boolean): KubeObject => ({
    metadata: { name },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  });
  const judge = (pods: KubeObject[], holder: string | undefined) =>
    judgeReadiness(pods, holder, "app=stagegate", "stagegate-system");

  it("passes a Ready leader, naming the replicas; holder identities may be POD_NAME or hostname_pid", () => {
    assert.equal(judge([pod("op-a", true), pod("op-b", true)], "op-a").status, "pass");
    assert.equal(judge([pod("op-a", true)], "op-a_7").status, "pass");
  });

  it("fails a leader that is not Ready, warns on a standby that is not, and cannot see pods that are not there", () => {
    assert.equal(judge([pod("op-a", false), pod("op-b", true)], "op-a").status, "fail");
    assert.equal(judge([pod("op-a", true), pod("op-b", false)], "op-a").status, "warn");
    assert.equal(judge([pod("op-a", true)], "somewhere-else").status, "warn");
    assert.equal(judge([pod("op-a", true)], undefined).status, "fail");
    const none = judge([], "op-a");
    assert.equal(none.status, "unknown");
    assert.match(none.message, /readiness cannot be observed/);
  });
});

describe("stagegate check: delivery ownership", () => {
  const env = (name: string, labels: Record<string, string>): KubeObject => ({
    metadata: { name },
    spec: { delivery: { argoCDApplications: { namespaces: ["argocd"], matchLabels: labels } } },
  });
  const release = (targets: [string, string][]): KubeObject => ({
    metadata: { name: "shop", namespace: "shop" },
    spec: {
      version: "1.0.0",
      source: {
        repoURL: "https://git.example.com/shop.git",
        revision: "4f9c2e1d8b7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e",
      },
      pipeline: targets.map(([e]) => e),
      targets: targets.map(([environment, app]) => ({
        environment,
        argoCD: { name: app, revision: "4f9c2e1" },
      })),
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "bob" } },
    },
  });
  const app = (name: string, stage: string) => ({
    kind: "Application" as const,
    namespace: "argocd",
    name,
    labels: { "stagegate.io/environment": stage },
  });

  it("passes owned targets and exclusive scopes", () => {
    const verdict = judgeDelivery({
      environments: [
        env("dev", { "stagegate.io/environment": "dev" }),
        env("prod", { "stagegate.io/environment": "prod" }),
      ],
      releases: [
        release([
          ["dev", "shop-dev"],
          ["prod", "shop-prod"],
        ]),
      ],
      objects: [app("shop-dev", "dev"), app("shop-prod", "prod")],
      absentKinds: ["helmreleases.helm.toolkit.fluxcd.io"],
    });
    assert.equal(verdict.status, "pass", JSON.stringify(verdict));
    assert.deepEqual(verdict.details, [
      "Not served here (so none exist): helmreleases.helm.toolkit.fluxcd.io.",
    ]);
  });

  it("fails an object claimed twice and a target its environment does not own; warns on a target not created yet", () => {
    const verdict = judgeDelivery({
      environments: [env("dev", { "stagegate.io/environment": "dev" }), env("prod", {}), env("qa", {})],
      releases: [
        release([
          ["dev", "shop-prod"],
          ["qa", "shop-qa"],
        ]),
      ],
      objects: [app("shop-prod", "prod")],
      absentKinds: [],
    });
    assert.equal(verdict.status, "fail");
    assert.deepEqual(
      verdict.details.map((d) => d.replace(/: Environment .*$/, ": ...")),
      [
        "Argo CD Application argocd/shop-prod is claimed by 2 Environments: prod, qa.",
        "Release shop/shop, target of dev: ...",
      ],
    );
    const missing = judgeDelivery({
      environments: [env("dev", { "stagegate.io/environment": "dev" })],
      releases: [release([["dev", "shop-dev"]])],
      objects: [],
      absentKinds: [],
    });
    assert.equal(missing.status, "warn");
    assert.match(missing.details[0] ?? "", /argocd\/shop-dev does not exist/);
  });
});

describe("stagegate check: webhook probes and the audit probe", () => {
  const apiError = (status: number, message: string) =>
    new ApiError(status, status === 403 ? "Forbidden" : "InternalError", `POST /apis/x: ${message}`);

  it("tells the operator's refusal from a webhook the API server could not call, and says what to do", () => {
    const refusal = classifyProbeError(
      apiError(
        403,
        'admission webhook "changerequests.validate.stagegate.io" denied the request: EmergencyExpiry: expired.',
      ),
    );
    assert.equal(refusal.kind, "refusedByOperator");
    const rows: [string, RegExp][] = [
      ["dial tcp 10.0.0.1:443: connect: connection refused", /cannot reach the operator's webhook server/],
      [
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        /set the caBundle/,
      ],
      ["remote error: tls: certificate required", /--admission-control-config-file/],
    ];
    for (const [cause, fix] of rows) {
      const outcome = classifyProbeError(
        apiError(
          500,
          `Internal error occurred: failed calling webhook "x": failed to call webhook: Post "https://x": ${cause}`,
        ),
      );
      assert.equal(outcome.kind, "webhookFailed");
      assert.match((outcome as { fix: string }).fix, fix);
    }
    const rbac = classifyProbeError(
      apiError(
        403,
        'changerequests.stagegate.io is forbidden: User "mallory" cannot create resource "changerequests"',
      ),
    );
    assert.equal(rbac.kind, "notProbed");
  });

  it("passes a recorded refusal, fails one whose trail was down, and cannot tell otherwise", () => {
    const refused = (message: string): ProbeOutcome => ({ kind: "refusedByOperator", message });
    assert.equal(
      judgeAuditProbe(refused("... denied the request: EmergencyExpiry: expired."), "ns").status,
      "pass",
    );
    const down = judgeAuditProbe(
      refused(
        "... denied the request: EmergencyExpiry: expired. (The audit trail is unavailable too: EROFS: read-only file system.)",
      ),
      "ns",
    );
    assert.equal(down.status, "fail");
    assert.match(
      down.message,
      /could not write its audit trail: The audit trail is unavailable too: EROFS: read-only file system\./,
    );
    assert.match(down.fix ?? "", /--audit-log/);
    assert.equal(judgeAuditProbe({ kind: "admitted", object: {} }, "ns").status, "unknown");
  });
});

describe("stagegate check: the report", () => {
  const results: CheckResult[] = [
    { name: "crds", title: "CRDs", status: "pass", message: "All good.", details: [] },
    {
      name: "operator-rbac",
      title: "RBAC",
      status: "fail",
      message: "Too broad.",
      details: ["get on secrets."],
      fix: "Delete it.",
    },
    {
      name: "audit-storage",
      title: "Audit",
      status: "unknown",
      message: "Not observable.",
      details: [],
      fix: "Probe.",
    },
  ];

  it("prints one line per check with its mark, details and fix, then the counts", () => {
    const report: CheckReport = {
      server: "https://k8s:6443/",
      operatorNamespace: "stagegate-system",
      ok: false,
      summary: summarize(results),
      checks: results,
    };
    assert.equal(
      formatCheckReport(report),
      [
        "stagegate check: API server https://k8s:6443/, operator namespace stagegate-system",
        "",
        "✓ crds           All good.",
        "✗ operator-rbac  Too broad.",
        "                 - get on secrets.",
        "                 fix: Delete it.",
        "? audit-storage  Not observable.",
        "                 fix: Probe.",
        "",
        "1 passed, 1 failed, 0 warnings, 1 unknown. Stagegate cannot keep its promise here: fix what failed above.",
        "",
      ].join("\n"),
    );
  });

  it("counts what could not run, and never calls such a run a clean one", () => {
    assert.equal(
      formatSummary({ passed: 8, failed: 0, warnings: 0, unknown: 1, errors: 1 }),
      "8 passed, 0 failed, 0 warnings, 1 unknown, 1 could not run. Not everything could be checked: run it as the " +
        "fixes above say, then again.",
    );
    assert.equal(
      formatSummary({ passed: 9, failed: 0, warnings: 0, unknown: 1, errors: 0 }),
      "9 passed, 0 failed, 0 warnings, 1 unknown. Nothing failed; read the warnings and what could not be observed above.",
    );
  });

  it("turns a refusal or silence of the API server into a check that could not run; a bug still throws", async () => {
    const failing = (name: string, err: Error): Check => ({
      name,
      title: name,
      run: () => Promise.reject(err),
    });
    const ctx = {} as CheckContext;
    const results = await runChecks(
      [
        failing(
          "forbidden",
          new ApiError(403, "Forbidden", 'GET /x: leases is forbidden: User "mallory" cannot get'),
        ),
        failing("silent", new TransportError("GET /x: no answer within 30000 ms")),
      ],
      ctx,
    );
    assert.deepEqual(
      results.map((r) => [r.name, r.status, r.message]),
      [
        [
          "forbidden",
          "error",
          'Could not be checked: the API server refused to show it to you (leases is forbidden: User "mallory" cannot get).',
        ],
        [
          "silent",
          "error",
          "Could not be checked: the API server did not answer (GET /x: no answer within 30000 ms).",
        ],
      ],
    );
    assert.match(results[0]?.fix ?? "", /cluster administrator/);
    await assert.rejects(runChecks([failing("bug", new TypeError("x is undefined"))], ctx), TypeError);
  });
});
