// The chart's operator, run as the chart would run it, through the whole story of `make demo`. On a cluster of its
// own (etcd and kube-apiserver, with the Argo CD and Flux CRDs), `helm install` puts the chart in; the StatefulSet
// the API server then holds is run as its two pods would run: pods and claims made from it, every volume's content
// at its mount path (the token a TokenRequest bound to each pod, read through in-cluster configuration), the
// rendered arguments and environment, each pod with its own name and IP, and the API server calling the webhooks
// through the chart's Service (webhook configurations untouched by the test: the operator, with the chart's default
// certificate source, fills its Secret and writes their caBundle). See docs/install.md, "The operator as the chart
// runs it", for what is emulated and the one argument changed. Then the demo's people play its story; the leader
// is SIGKILLed halfway and the other replica takes the Lease over and finishes it; the API server's audit log shows
// the operator's identity was never refused anything, and its rights are exactly what docs/rbac.md lists.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { CHART_DIR, REPO } from "../../hack/chart/layout.js";
import { formatVerification } from "../../src/audit/verification.js";
import { verifyAuditFile } from "../../src/audit/verify.js";
import { loadTrustedKeys } from "../../src/audit/checkpoints/signing-key.js";
import {
  formatCheckpointVerification,
  listCheckpoints,
  verifyFileAgainstCheckpoints,
} from "../../src/audit/checkpoints/verify-against.js";
import { ReleaseStatus } from "../../src/api/v1alpha1/release.js";
import { ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { admissionResources } from "../../src/controllers/admission-guard/guard.js";
import { resources } from "../../src/controllers/resources.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { auditFlags, permissionOf, readAuditLog, writeAuditPolicy } from "../support/apiserver-audit.js";
import { coreResources } from "../support/core-resources.js";
import { startInstallCluster, type InstallCluster } from "../support/install-cluster.js";
import { waitFor } from "../support/kube.js";
import {
  difference,
  documentedPermissions,
  permissionsInNamespace,
} from "../support/operator-permissions.js";
import type { RunningPod } from "../support/pod-kubelet.js";
import {
  requestToken,
  requestWithToken,
  tokenClaims,
  type BearerTarget,
} from "../support/service-account-token.js";
import { startServiceProxy, writeEgressSelectorConfig, type ServiceProxy } from "../support/service-proxy.js";
import { SERVICE_ACCOUNT_DIR } from "../support/statefulset-pods.js";
import { runStatefulSet, type StatefulSetRun } from "../support/statefulset-run.js";
import { readAuditEntries, promotionSteps } from "../e2e/promotion-audit.js";
import { templateTasksOf } from "../../hack/demo/template-story.js";
import {
  FLUX_RELEASE,
  playSteps,
  prepareDemoStory,
  type DemoStory,
  type PlayedStep,
} from "./chart-operator-story.js";

const NS = "stagegate-system";
const STATEFULSET = "stagegate-operator";
/** The Lease the replicas elect their leader by (`--leader-election-id`). */
const LEASE = "stagegate-operator";
/** The chart's ServiceAccount, and the user name the API server gives its tokens. */
const SERVICE_ACCOUNT = "stagegate-operator";
const OPERATOR_USER = `system:serviceaccount:${NS}:${SERVICE_ACCOUNT}`;
/** The User-Agent of this test's own requests with the operator's token (the audit log tells them apart). */
const TEST_AGENT = "stagegate-chart-operator-test";
/**
 * The rights of the operator's roles a run of the story may not use, and why: reads the cache usually answers, and
 * creates the API server authorises inside a server-side apply (audited as the patch it is).
 */
const MAY_GO_UNUSED: Record<string, string> = Object.fromEntries([
  ...["environments", "releases", "deploymenttasks", "changerequests", "approvals"].map(
    (kind): [string, string] => [
      `get stagegate.io/${kind}`,
      "read from the API server only when the cache lacks the object or a status write met a conflict",
    ],
  ),
  ...["approvals", "changerequests", "deploymenttasks"].map((kind): [string, string] => [
    `create stagegate.io/${kind}`,
    "opened by server-side apply: the API server authorises create inside the patch that creates the object " +
      "(and sealed Rollback tasks are created outright: tests/integration/controllers/rollback.test.ts)",
  ]),
  ...["get", "update"].map((verb): [string, string] => [
    `${verb} /configmaps [stagegate-audit-push]`,
    "the audit push's position, used only with audit.push.url (tests/integration/audit/postgres-push.test.ts)",
  ]),
  [
    "patch stagegate.io/releases",
    "the lock finalizer: the release webhook adds it at creation (ADR 0033), so the operator adds it only to a " +
      "Release created without it, and removes it when a Release that went is deleted " +
      "(tests/integration/controllers/release-lifecycle.test.ts)",
  ],
  ...[
    "get stagegate.io/notificationroutes",
    "list stagegate.io/notificationroutes",
    "list stagegate.io/addressbooks",
  ].map((permission): [string, string] => [
    permission,
    "read only with --notifications=true, off in the chart by default (tests/integration/notifications/)",
  ]),
  [
    "update stagegate.io/notificationroutes/status",
    "written only with --notifications=true, off in the chart by default (tests/integration/notifications/)",
  ],
  [
    "get /namespaces",
    "read live only by the release and task webhooks before the cache has synced; the cache answers after",
  ],
  [
    "get source.toolkit.fluxcd.io/helmrepositories",
    "read only to resolve a chart version range where an Environment sets gate.mutableRevisions: Resolve " +
      "(tests/security/gate-resolved-chart-ranges.test.ts)",
  ],
]);
/** The audit trail each replica writes, as the chart renders `--audit-log`. */
const AUDIT_LOG = "/var/lib/stagegate/audit.jsonl";

describe("the chart's operator, run as its StatefulSet would run it, through the story of make demo", () => {
  let dir = "";
  let k: InstallCluster;
  let admin: KubeClient;
  let proxy: ServiceProxy | undefined;
  let run: StatefulSetRun | undefined;
  let story: DemoStory | undefined;
  let failed = false;
  const played: PlayedStep[] = [];

  const leaseHolder = async (): Promise<string | undefined> =>
    ((await admin.get(builtin.lease, LEASE, NS)).spec as { holderIdentity?: string }).holderIdentity;
  const pods = (): StatefulSetRun => {
    if (run === undefined) throw new Error("the StatefulSet's pods did not start");
    return run;
  };
  const demo = (): DemoStory => {
    if (story === undefined) throw new Error("the demo's story was not prepared");
    return story;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "stagegate-chart-operator-"));
    const egressSocket = join(dir, "egress.sock");
    await writeEgressSelectorConfig(join(dir, "egress-selector.yaml"), egressSocket);
    await writeAuditPolicy(join(dir, "audit-policy.yaml"), [OPERATOR_USER]);
    await mkdir(join(dir, "cluster"));
    k = await startInstallCluster({
      dir: join(dir, "cluster"),
      gitOpsCrds: true,
      apiserverFlags: [
        `--egress-selector-config-file=${join(dir, "egress-selector.yaml")}`,
        ...auditFlags(join(dir, "audit-policy.yaml"), join(dir, "audit.log")),
      ],
    });
    admin = await KubeClient.connect(k.cluster.kubeconfigs.admin);
    proxy = await startServiceProxy(admin, egressSocket);
  });

  after(async () => {
    await story?.stop();
    await run?.close();
    await proxy?.close();
    admin?.close();
    await k?.stop({ keepLogs: failed });
    if (failed) {
      const transcript = played.map((step) => `>>> ${step.say}\n${step.out.trim()}\n`).join("\n");
      await writeFile(join(dir, "story.txt"), transcript);
      console.error(`Kept the pods' logs and volumes, the story and the API server's audit log in ${dir}`);
    } else await rm(dir, { recursive: true, force: true });
  });

  /** Marks the run failed (so its files are kept) when `body` throws. */
  const keepOnFailure =
    (body: (t: TestContext) => Promise<void>) =>
    async (t: TestContext): Promise<void> => {
      try {
        await body(t);
      } catch (err) {
        failed = true;
        throw err;
      }
    };

  it(
    "installs the chart and runs its two pods under the chart ServiceAccount's bound token, one of them leading",
    keepOnFailure(async () => {
      const install = await k.helm([
        "install",
        "stagegate",
        CHART_DIR,
        "-n",
        NS,
        "--create-namespace",
        "--set-file",
        `webhook.clientCA.pem=${k.cluster.webhookClientCaFile}`,
        // Checkpoints every few entries, so the story signs and publishes some with the chart's generated key.
        "--set",
        "operator.auditCheckpoints.every=3",
      ]);
      assert.equal(install.code, 0, install.stderr);
      run = await runStatefulSet({
        admin,
        cluster: k.cluster,
        namespace: NS,
        name: STATEFULSET,
        dir: join(dir, "run"),
      });
      assert.deepEqual(
        pods().pods.map((p) => p.name),
        ["stagegate-operator-0", "stagegate-operator-1"],
      );
      for (const pod of pods().pods) {
        const obj = await admin.get(coreResources.pod, pod.name, NS);
        const claims = tokenClaims(await readFile(pod.hostPath(`${SERVICE_ACCOUNT_DIR}/token`), "utf8"));
        assert.equal(claims.sub, OPERATOR_USER, "the token is the chart ServiceAccount's");
        assert.deepEqual(claims.aud, ["https://localhost"], "for the API server's audience");
        const bound = (claims["kubernetes.io"] as { pod?: { name: string; uid: string } }).pod;
        assert.deepEqual(bound, { name: pod.name, uid: obj.metadata.uid }, "bound to its pod");
        const logs = await pod.logs();
        const started = logs.find((l) => l.msg === "Started the operator");
        assert.equal(started?.identity, pod.name, "the Lease identity is the pod's name (POD_NAME)");
        assert.equal(
          started?.server,
          `${k.cluster.server}/`,
          "in-cluster configuration (KUBERNETES_SERVICE_*)",
        );
        const learned = logs.find((l) => l.msg === "Learned the operator's own identity");
        assert.equal(
          learned?.operatorIdentity,
          OPERATOR_USER,
          "the API server authenticates it as the account",
        );
      }
      const holder = await waitFor("a replica to hold the Lease", leaseHolder);
      assert.ok(
        pods().pods.some((p) => p.name === holder),
        `the Lease holder ${holder} is one of the pods`,
      );
      // The chart's default certificate source: the leader fills the empty Secret the chart created and writes its
      // CA into the caBundle of both webhook configurations; then every replica's admission guard finds the chart's
      // webhooks and policy as shipped, caBundles verifying the certificate it serves.
      const caPem = await waitFor("the operator to fill its certificate Secret", async () => {
        const secret = await admin.get(coreResources.secret, "stagegate-webhook-certs", NS);
        const ca = (secret.data as Record<string, string> | undefined)?.["ca.crt"];
        return ca === undefined ? undefined : Buffer.from(ca, "base64").toString();
      });
      for (const [kind, name] of [
        ["mutating", "stagegate-mutating-webhooks"],
        ["validating", "stagegate-validating-webhooks"],
      ] as const)
        await waitFor(`the operator's CA in the caBundle of ${name}`, async () => {
          const configuration = await admin.get(admissionResources[kind], name);
          const webhooks = (configuration as { webhooks?: { clientConfig: { caBundle?: string } }[] })
            .webhooks;
          const bundles = (webhooks ?? []).map((w) => Buffer.from(w.clientConfig.caBundle ?? "", "base64"));
          return bundles.length > 0 && bundles.every((b) => b.toString().trim() === caPem.trim())
            ? true
            : undefined;
        });
      for (const pod of pods().pods)
        await waitFor(
          `${pod.name}'s admission guard to find the chart's webhooks and policy as shipped`,
          async () =>
            (await pod.logs()).some((l) => l.msg === "Found the admission controls intact")
              ? true
              : undefined,
        );
    }),
  );

  /** A step that ran a command exited 0, unless the demo says it is refused: then it exited non-zero. */
  const assertExit = (step: PlayedStep): void => {
    if (step.exit === undefined) return;
    assert.equal(step.exit !== 0, /refuse/.test(step.say), `${step.say}\n${step.out}`);
  };
  const play = async (steps: Parameters<typeof playSteps>[0]): Promise<PlayedStep[]> => {
    const result = await playSteps(steps, assertExit);
    played.push(...result);
    return result;
  };
  const releaseState = async (environment: string): Promise<string | undefined> => {
    const obj = await admin.get(resources.release, "shop", "default");
    return ReleaseStatus.parse(obj.status ?? {}).environments?.find((e) => e.name === environment)?.state;
  };
  const trail = (pod: RunningPod): string => pod.hostPath(AUDIT_LOG);

  it(
    "plays the demo's change control: approvals through the webhooks, grace refused by separation of duties",
    keepOnFailure(async () => {
      const first = pods().pods[0];
      assert.ok(first);
      story = await prepareDemoStory(k, admin, join(dir, "story"), trail(first));
      const steps = await play(demo().changeControl);
      const grace = steps.find((s) => s.say.startsWith("grace"));
      assert.match(grace?.out ?? "", /separation of duties/i);
      const change = await admin.get(resources.changeRequest, "payments-api-2.14.0-prod", "default");
      assert.equal(ChangeRequestStatus.parse(change.status ?? {}).resolution, "Approved");
      const served = new Set(proxy?.routed.filter((r) => r.refused === undefined).map((r) => r.pod));
      assert.ok(served.size > 0, "the API server reached the webhooks through the chart's Service");
    }),
  );

  it(
    "promotes Release shop into dev and holds it Gated in prod-eu",
    keepOnFailure(async () => {
      await play(demo().promotionToGate);
      assert.equal(await releaseState("dev"), "Verified");
      assert.equal(await releaseState("prod-eu"), "Gated");
    }),
  );

  let killed: RunningPod | undefined;
  let survivor: RunningPod | undefined;

  it(
    "hands the Lease over when the leader is SIGKILLed, and the other replica finishes the promotion",
    keepOnFailure(async () => {
      const leader = await leaseHolder();
      killed = pods().pod(leader ?? "");
      survivor = pods().pods.find((p) => p !== killed);
      assert.ok(survivor);
      const before = (await admin.get(builtin.lease, LEASE, NS)).spec as {
        leaseTransitions?: number;
      };
      await killed.kill();
      await waitFor(
        "the other replica to take the Lease over",
        async () => ((await leaseHolder()) === survivor?.name ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      const after = (await admin.get(builtin.lease, LEASE, NS)).spec as {
        leaseTransitions?: number;
      };
      assert.equal(after.leaseTransitions, (before.leaseTransitions ?? 0) + 1);
      assert.equal(await releaseState("prod-eu"), "Gated", "no gate opened without its approvals");

      const steps = await play(demo().promotionThroughGate);
      assert.match(steps.find((s) => /shortcut/.test(s.say))?.out ?? "", /TargetNotOwned/);
      assert.equal(await releaseState("prod-eu"), "Verified");
      assert.ok(
        (await survivor.logs()).some((l) => l.msg === "Became the leader; starting controllers"),
        "the survivor became the leader",
      );
      const promotedBy = (pod: RunningPod) =>
        promotionSteps(readAuditEntries(trail(pod)), "shop").filter((s) => s.startsWith("ReleasePromoted"));
      assert.deepEqual(promotedBy(killed), ["ReleasePromoted dev"], "the first leader promoted into dev");
      assert.deepEqual(promotedBy(survivor), ["ReleasePromoted prod-eu"], "its successor into prod-eu");
    }),
  );

  it(
    "delivers a release through a Flux Kustomization and then a Flux HelmRelease",
    keepOnFailure(async () => {
      await play(demo().fluxRelease);
      assert.deepEqual(
        demo().fluxCompleted.map((line) => line.split(" ")[0]),
        ["flux", "helm"],
        "the Kustomization was reconciled, then the HelmRelease upgraded",
      );
      assert.ok(demo().fluxCompleted.includes("helm payments 1.5.0"), demo().fluxCompleted.join("; "));
    }),
  );

  it(
    "plays the demo's workflow template: the release that names it gets the template's task, then enters dev",
    keepOnFailure(async () => {
      const steps = await play(demo().templateRelease);
      const listed = steps.find((s) => /-wf-/.test(s.say))?.out ?? "";
      assert.match(listed, /^shop-preview-dev-wf-release-notes-[0-9a-f]{10}\s/m, listed);
      const release = await admin.get(resources.release, "shop-preview", "default");
      const pin = (release.spec as { workflow?: { template?: string } }).workflow;
      assert.equal(pin?.template, "shop-preview", "the server pinned the template it names");
      const tasks = await templateTasksOf(demo().ctx, "shop-preview");
      assert.deepEqual(
        tasks.map((t) => [t.spec.type, t.spec.checklist.map((i) => i.name), t.spec.owners, t.phase]),
        [["Checklist", ["notes-written"], [{ kind: "Group", name: "developers" }], "Succeeded"]],
      );
      assert.equal(
        ReleaseStatus.parse(release.status ?? {}).environments?.find((e) => e.name === "dev")?.state,
        "Verified",
      );
    }),
  );

  it(
    "stamps a new release with the WorkflowTemplate it names, read by the chart's webhook under its own rights",
    keepOnFailure(async () => {
      const template = await admin.get(resources.workflowTemplate, "feature-rollout-light");
      const created = await admin.create(
        resources.release,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Release",
          metadata: { name: "templated" },
          spec: {
            version: "0.1.0",
            source: {
              repoURL: "https://git.example.com/shop.git",
              revision: "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2",
            },
            pipeline: ["dev", "test", "staging"],
            owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
            workflowTemplate: "feature-rollout-light",
          },
        },
        FLUX_RELEASE.namespace,
      );
      const pin = (created.spec as { workflow?: { template?: string; generation?: number } }).workflow;
      assert.equal(pin?.template, "feature-rollout-light");
      assert.equal(pin?.generation, template.metadata.generation);
      await admin.delete(resources.release, "templated", FLUX_RELEASE.namespace);
    }),
  );

  it(
    "restarts the killed replica as a standby on its own audit trail; both trails verify",
    keepOnFailure(async () => {
      assert.ok(killed && survivor);
      const entriesBefore = readAuditEntries(trail(killed)).length;
      await killed.start();
      await killed.waitReady();
      assert.equal(await leaseHolder(), survivor.name, "the leader keeps the Lease");
      const logs = await killed.logs();
      const lastStart = logs.findLastIndex((l) => l.msg === "Started the operator");
      assert.ok(
        logs.slice(lastStart).some((l) => l.msg === "Observed a new leader" && l.leader === survivor?.name),
        "the restarted replica stands by",
      );
      assert.ok(readAuditEntries(trail(killed)).length >= entriesBefore, "it reopened its own trail");
      for (const pod of pods().pods) {
        const verification = await verifyAuditFile(trail(pod));
        assert.equal(verification.ok, true, formatVerification(verification, trail(pod)));
      }
      // And against the checkpoints each replica signed with the key the chart generated.
      const signing = await admin.get(coreResources.secret, "stagegate-audit-signing", NS);
      const pem = Buffer.from((signing.data as Record<string, string>)["signing.pem"] ?? "", "base64");
      const keyFile = join(dir, "audit-signing.pem");
      await writeFile(keyFile, pem, { mode: 0o600 });
      const keys = await loadTrustedKeys([keyFile]);
      const checkpoints = await listCheckpoints(admin, NS);
      const leader = survivor;
      for (const pod of pods().pods) {
        const result = await verifyFileAgainstCheckpoints(trail(pod), checkpoints, keys, pod.name);
        assert.equal(result.ok, true, formatCheckpointVerification(result, trail(pod)));
        if (pod.name === leader.name) assert.ok(result.agreeing > 0, "the leader's trail is checkpointed");
      }
    }),
  );

  it(
    "serves /metrics to a scraper the API server authorises, and to no one else",
    keepOnFailure(async () => {
      // The CA the operator keeps in its certificate Secret (the chart's default certificate source).
      const tls = await admin.get(coreResources.secret, "stagegate-webhook-certs", NS);
      const caPem = Buffer.from((tls.data as Record<string, string>)["ca.crt"] ?? "", "base64").toString();
      const scrape = async (pod: RunningPod, account: string) =>
        requestWithToken(
          {
            url: `https://${pod.ip}:8080`,
            caPem,
            servername: `stagegate-metrics.${NS}.svc`,
            token: await requestToken(admin, NS, account),
            userAgent: TEST_AGENT,
          },
          "GET",
          "/metrics",
        );
      assert.ok(survivor);
      const scraped = await scrape(survivor, "metrics-scraper");
      assert.equal(scraped.status, 200, scraped.body);
      assert.match(scraped.body, /^leader_election_master_status\{[^}]*\} 1$/m, "the leader says it leads");
      await k.kubectlOk(["create", "serviceaccount", "stranger", "-n", NS]);
      const refused = await scrape(survivor, "stranger");
      assert.equal(refused.status, 403, "an account without stagegate-metrics-reader is refused");
    }),
  );

  /** The operator's ServiceAccount as this test uses it: its own token, requests marked as the test's. */
  const asOperator = async (): Promise<BearerTarget> => ({
    url: k.cluster.server,
    caPem: await readFile(k.cluster.caFile, "utf8"),
    token: await requestToken(admin, NS, SERVICE_ACCOUNT),
    userAgent: TEST_AGENT,
  });

  let used = new Map<string, number>();
  const usedByName = new Set<string>();

  it(
    "never had a request of the operator's identity refused (the API server's audit log)",
    keepOnFailure(async (t) => {
      // A request RBAC refuses, made with the operator's token by this test: the log must show it, or a count of
      // zero below would prove nothing.
      const probe = await requestWithToken(await asOperator(), "GET", `/api/v1/namespaces/${NS}/secrets`);
      assert.equal(probe.status, 403);
      const auditLog = join(dir, "audit.log");
      await waitFor("the audit log to record the refused probe", async () =>
        (await readAuditLog(auditLog)).some(
          (e) => e.userAgent === TEST_AGENT && e.responseStatus?.code === 403,
        )
          ? true
          : undefined,
      );
      const operator = (await readAuditLog(auditLog)).filter(
        (e) => e.user.username === OPERATOR_USER && e.userAgent !== TEST_AGENT,
      );
      used = new Map();
      for (const e of operator) used.set(permissionOf(e), (used.get(permissionOf(e)) ?? 0) + 1);
      // A right granted on one object by name (resourceNames) is used only by a request for that object (a list or
      // watch with the field selector metadata.name names it too).
      for (const e of operator)
        if (e.objectRef?.name !== undefined) usedByName.add(`${permissionOf(e)} [${e.objectRef.name}]`);
      t.diagnostic(
        `The operator's requests, by permission:\n${[...used].map(([p, n]) => `${n}\t${p}`).join("\n")}`,
      );
      assert.ok(operator.length > 0, "the audit log records the operator's requests");
      const refused = operator.filter((e) => e.responseStatus?.code === 403);
      assert.deepEqual(
        refused.map(
          (e) =>
            `${permissionOf(e)} in ${e.objectRef?.namespace ?? "(cluster)"}: ${e.responseStatus?.message ?? ""}`,
        ),
        [],
      );
    }),
  );

  it(
    "can do exactly what docs/rbac.md lists for the operator's ServiceAccount, and used each right of its roles",
    keepOnFailure(async () => {
      const rows = documentedPermissions(await readFile(join(REPO, "docs", "rbac.md"), "utf8"));
      const target = await asOperator();
      for (const namespace of [NS, "default"]) {
        const actual = await permissionsInNamespace(target, namespace);
        const expected = new Set(
          rows.filter((r) => r.where === "cluster" || r.where === namespace).flatMap((r) => r.permissions),
        );
        assert.deepEqual(
          difference(actual, expected),
          { extra: [], missing: [] },
          `in namespace ${namespace}`,
        );
      }
      // No more than it needs: every right the chart's roles grant was used in this run, or is one the run may not
      // need (each with the reason).
      const granted = rows.filter((r) => /stagegate-/.test(r.grantedBy)).flatMap((r) => r.permissions);
      const unused = granted.filter((p) => !used.has(p) && !usedByName.has(p) && !(p in MAY_GO_UNUSED));
      assert.deepEqual(unused, [], "rights of the operator's roles nothing used; remove them or say why");
    }),
  );
});
