// Class 5 of issue 9, "checks are attested by the people who own them, for the artifact they checked": the
// operator as its own process with its webhooks registered, real RBAC, and each attack made by the
// least-privileged person who could try it. Every refusal names the rule, the field and the fix, leaves the task
// unwritten, and is on the operator's audit trail; the legitimate path (an owner completing with evidence) still
// works, stamped with who and when. See docs/security/task-attestation.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import type { GateBinding } from "../../src/api/v1alpha1/binding.js";
import { DeploymentTaskSpec } from "../../src/api/v1alpha1/deployment-task.js";
import { checklistFor } from "../../src/controllers/release/checklists.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { readAuditEntries } from "../e2e/promotion-audit.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { createTestNamespace, waitFor } from "../support/kube.js";
import {
  artifact,
  assertRefused,
  bindingFor,
  checklistWith,
  people,
  readTask,
  settled,
  taskManifest,
  type AttemptScope,
  type People,
} from "./task-attestation-world.js";

const SCAN = "shop-prod-security-scan";
const DRIFT = "shop-prod-config-drift";
const VERIFY = "shop-prod-post-deploy-verification";
const REPORT = "https://scans.example.com/shop/2.1.0/scan-run";

describe("task attestation: only owners complete checks, for the artifact they checked", () => {
  let who: People;
  let operator: E2eOperator | undefined;
  let ns = "";
  let environment = "";
  let binding: GateBinding;
  let scope: AttemptScope;

  /** A merge patch of task `name` as the person `as`. */
  const patch = (as: keyof People, name: string, body: unknown) =>
    who[as].patch(resources.deploymentTask, name, ns, body, { type: "merge" });
  const task = (name: string) => readTask(who.admin, ns, name);
  const checklistPatch = async (name: string, item: string, change: Record<string, unknown>) => ({
    spec: { checklist: checklistWith(await task(name), item, change) },
  });

  before(async () => {
    who = await people();
    ns = await createTestNamespace(who.admin, "sec-tasks");
    environment = `${ns}-prod`;
    operator = await startE2eOperator(who.admin, ns);
    scope = { namespace: ns, admin: who.admin, auditFile: operator.process.auditFile };
    await who.admin.create(resources.environment, {
      apiVersion: API_VERSION,
      kind: "Environment",
      metadata: { name: environment },
      spec: {
        regulated: true,
        verification: {
          prometheusURL: "http://127.0.0.1:9/",
          checks: [{ name: "error-rate", query: "vector(0)", threshold: { max: 0.05 } }],
        },
      },
    });
    binding = bindingFor(ns, environment);
    const common = { releaseRef: { name: "shop" }, environment, binding };
    // Opened by the operator's own identity, exactly as the Release controller opens its check tasks.
    const opened: [string, Record<string, unknown>][] = [
      [
        SCAN,
        {
          ...common,
          type: "SecurityScan",
          title: "Security scan of shop 2.1.0 for prod",
          owners: [{ kind: "User", name: "bob" }],
          checklist: checklistFor("SecurityScan"),
        },
      ],
      [
        DRIFT,
        {
          ...common,
          type: "ConfigDrift",
          title: "Config drift of shop 2.1.0 in prod",
          owners: [{ kind: "Group", name: "developers" }],
          checklist: checklistFor("ConfigDrift"),
        },
      ],
      [
        VERIFY,
        {
          ...common,
          type: "PostDeployVerification",
          title: "Verify shop 2.1.0 in prod",
          owners: [{ kind: "User", name: "bob" }],
          checklist: checklistFor("PostDeployVerification", true),
        },
      ],
    ];
    for (const [name, spec] of opened) {
      await who.operator.create(resources.deploymentTask, taskManifest(name, spec), ns);
    }
  });

  after(async () => {
    await operator?.stop();
    for (const step of [
      () => who.admin.delete(resources.environment, environment),
      () => who.admin.delete(builtin.namespace, ns),
    ]) {
      await step().catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    for (const client of Object.values(who)) client.close();
  });

  it("refuses erin, a team member with edit but no owner, ticking the scan (NotTaskOwner)", async () => {
    const body = await checklistPatch(SCAN, "scan-run", { state: "Done", evidence: { uri: REPORT } });
    await assertRefused(scope, "erin", SCAN, () => patch("erin", SCAN, body), {
      rule: "NotTaskOwner",
      says: [
        /erin may not complete spec\.checklist\[scan-run\]/,
        /only the task's owners \(User bob\)/,
        /ask one of them/,
      ],
    });
  });

  it("refuses erin typing the owner's name as completedBy: the identity is the request's (NotTaskOwner)", async () => {
    const body = await checklistPatch(SCAN, "scan-run", {
      state: "Done",
      completedBy: "bob",
      evidence: { uri: REPORT },
    });
    await assertRefused(scope, "erin", SCAN, () => patch("erin", SCAN, body), {
      rule: "NotTaskOwner",
      says: [/erin may not complete spec\.checklist\[scan-run\]/],
    });
  });

  it("refuses erin whichever way she writes: a JSON patch, or a forced server-side apply (NotTaskOwner)", async () => {
    const jsonPatch = [{ op: "replace", path: "/spec/checklist/0/state", value: "Done" }];
    await assertRefused(
      scope,
      "erin",
      SCAN,
      () => who.erin.patch(resources.deploymentTask, SCAN, ns, jsonPatch, { type: "json" }),
      { rule: "NotTaskOwner", says: [/erin may not complete spec\.checklist\[scan-run\]/] },
    );
    const applied = {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: { name: SCAN, namespace: ns },
      spec: { checklist: [{ name: "scan-run", state: "Done", evidence: { uri: REPORT } }] },
    };
    await assertRefused(
      scope,
      "erin",
      SCAN,
      () => who.erin.apply(resources.deploymentTask, applied, { fieldManager: "erin", force: true }),
      { rule: "NotTaskOwner", says: [/erin may not complete spec\.checklist\[scan-run\]/] },
    );
  });

  it("refuses bob, the owner, attaching free text as evidence (EvidenceNotAttested)", async () => {
    const body = await checklistPatch(SCAN, "scan-run", {
      state: "Done",
      evidence: { result: "Passed", notes: "scanned it, all clean" },
    });
    await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, body), {
      rule: "EvidenceNotAttested",
      says: [/spec\.checklist\[scan-run\]\.evidence names neither/, /set evidence\.uri .*https:\/\//],
    });
  });

  it("refuses bob's evidence uri that is not an https:// URL (EvidenceNotAttested)", async () => {
    for (const uri of ["see ticket SEC-1234", "http://scans.example.com/r/1", "javascript:alert(1)"]) {
      const body = await checklistPatch(SCAN, "scan-run", { state: "Done", evidence: { uri } });
      await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, body), {
        rule: "EvidenceNotAttested",
        says: [/spec\.checklist\[scan-run\]\.evidence\.uri .* is not an https:\/\/ URL/, /link the report/],
      });
    }
  });

  it("refuses bob's evidence for another commit or digest than the task's binding (EvidenceNotAttested)", async () => {
    const other = artifact();
    for (const digest of [other.commit, other.digest]) {
      const body = await checklistPatch(SCAN, "scan-run", {
        state: "Done",
        evidence: { uri: REPORT, digest, result: "Passed" },
      });
      await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, body), {
        rule: "EvidenceNotAttested",
        says: [
          /spec\.checklist\[scan-run\]\.evidence\.digest .* is evidence for another artifact/,
          new RegExp(`this task attests commit ${binding.artifact.commit}`),
          /attach evidence for that artifact/,
        ],
      });
    }
  });

  it("refuses bob turning requiresEvidence off, or making an item optional (ChecklistImmutable)", async () => {
    for (const change of [{ requiresEvidence: false }, { required: false }]) {
      const body = await checklistPatch(SCAN, "findings-triaged", change);
      await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, body), {
        rule: "ChecklistImmutable",
        says: [
          /spec\.checklist\[findings-triaged\]\.required and \.requiresEvidence are fixed/,
          /put them back/,
        ],
      });
    }
  });

  it("refuses bob dropping an item or adding his own (ChecklistImmutable)", async () => {
    const current = await task(SCAN);
    const items = (current.spec as { checklist: Record<string, unknown>[] }).checklist;
    const without = { spec: { checklist: items.filter((i) => i.name !== "findings-triaged") } };
    await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, without), {
      rule: "ChecklistImmutable",
      says: [/removes findings-triaged in spec\.checklist/, /Change only the state and evidence/],
    });
    const extra = { spec: { checklist: [...items, { name: "waiver", required: false }] } };
    await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, extra), {
      rule: "ChecklistImmutable",
      says: [/adds waiver in spec\.checklist/],
    });
  });

  it("refuses dave, a release manager, making himself the owner (TaskFieldImmutable)", async () => {
    const body = { spec: { owners: [{ kind: "User", name: "dave" }] } };
    await assertRefused(scope, "dave", SCAN, () => patch("dave", SCAN, body), {
      rule: "TaskFieldImmutable",
      says: [/spec\.owners cannot be changed/, /hand the task over as its owner/],
    });
  });

  it("refuses bob changing the task's type or environment (TaskFieldImmutable)", async () => {
    for (const [body, field] of [
      [{ spec: { type: "Checklist" } }, /spec\.type cannot be changed/],
      [{ spec: { environment: "dev" } }, /spec\.environment cannot be changed/],
      [{ spec: { releaseRef: { name: "other" } } }, /spec\.releaseRef cannot be changed/],
    ] as const) {
      await assertRefused(scope, "bob", SCAN, () => patch("bob", SCAN, body), {
        rule: "TaskFieldImmutable",
        says: [field, /Leave them as they are/],
      });
    }
  });

  it("refuses dave creating a bound SecurityScan task the gate would count (TaskBindingReserved)", async () => {
    const name = "shop-prod-security-scan-2";
    const mark = readAuditEntries(scope.auditFile).length;
    const manifest = taskManifest(name, {
      type: "SecurityScan",
      title: "A scan I did myself",
      releaseRef: { name: "shop" },
      environment,
      owners: [{ kind: "User", name: "dave" }],
      checklist: checklistFor("SecurityScan"),
      binding,
    });
    const error = await who.dave.create(resources.deploymentTask, manifest, ns).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    assert.match(
      error?.message ?? "no error",
      /denied the request: TaskBindingReserved: spec\.binding is set only/,
    );
    assert.match(error?.message ?? "", /Remove spec\.binding to create a general work item/);
    await assert.rejects(task(name), isNotFound, "nothing was created");
    const entry = readAuditEntries(scope.auditFile)
      .slice(mark)
      .find((e) => e.actor === "dave" && e.object.name === name && e.details.rule === "TaskBindingReserved");
    assert.ok(entry !== undefined, "dave's refused create is on the audit trail");
    assert.equal(entry.details.operation, "CREATE");
  });

  it("refuses members of the owning group completing the drift check Stagegate does (AutomatedItem)", async () => {
    const body = await checklistPatch(DRIFT, "drift-checked", { state: "Done", evidence: { uri: REPORT } });
    await assertRefused(scope, "erin", DRIFT, () => patch("erin", DRIFT, body), {
      rule: "AutomatedItem",
      says: [
        /spec\.checklist\[drift-checked\] is concluded by Stagegate's the drift check/,
        /leave its state/,
      ],
    });
  });

  it("refuses bob concluding the measured verification of an Environment that declares it (AutomatedItem)", async () => {
    const body = await checklistPatch(VERIFY, "metrics-healthy", {
      state: "Done",
      evidence: { uri: REPORT },
    });
    await assertRefused(scope, "bob", VERIFY, () => patch("bob", VERIFY, body), {
      rule: "AutomatedItem",
      says: [/spec\.checklist\[metrics-healthy\] is concluded by Stagegate's post-deployment verification/],
    });
  });

  it("lets the operator's own identity conclude an automated item", async () => {
    await settled(who.admin, ns, DRIFT);
    const body = await checklistPatch(DRIFT, "drift-checked", {
      state: "Done",
      completedBy: "stagegate-operator",
      evidence: { result: "Passed", notes: "Argo CD Application reported Synced." },
    });
    const written = await patch("operator", DRIFT, body);
    const item = DeploymentTaskSpec.parse(written.spec).checklist.find((i) => i.name === "drift-checked");
    assert.equal(item?.completedBy, "stagegate-operator");
    assert.ok(item?.completedAt !== undefined, "the server stamped when");
  });

  it("lets bob, the owner, complete the scan with a report and the artifact's digest, stamped as his", async () => {
    await settled(who.admin, ns, SCAN);
    const mark = readAuditEntries(scope.auditFile).length;
    const started = Date.now();
    const current = await task(SCAN);
    const checklist = (current.spec as { checklist: Record<string, unknown>[] }).checklist.map((item) => ({
      ...item,
      state: "Done",
      // What bob types as who and when is replaced by the server's stamps.
      completedBy: "alice",
      completedAt: "2001-01-01T00:00:00Z",
      evidence: {
        uri: `https://scans.example.com/shop/2.1.0/${String(item.name)}`,
        digest: binding.artifact.digests[0],
        result: "Passed",
      },
    }));
    const written = await patch("bob", SCAN, { spec: { checklist } });
    for (const item of DeploymentTaskSpec.parse(written.spec).checklist) {
      assert.equal(item.completedBy, "bob", `${item.name} is stamped as bob's`);
      const at = Date.parse(item.completedAt ?? "");
      assert.ok(Math.abs(at - started) < 60_000, `${item.name} completedAt ${item.completedAt ?? ""} is now`);
    }
    // The task controller records each item as stored, one entry per item (ADR 0031).
    const entries = await waitFor("bob's completion of both items on the audit trail", () => {
      const found = readAuditEntries(scope.auditFile)
        .slice(mark)
        .filter((e) => e.action === "TaskItemCompleted" && e.object.name === SCAN);
      return found.length >= 2 ? found : undefined;
    });
    for (const entry of entries) {
      assert.equal(entry.actor, "bob");
      assert.equal(entry.details.completedBy, "bob");
      assert.equal(entry.details.commit, binding.artifact.commit);
    }
    assert.deepEqual(
      entries
        .flatMap((e) => e.details.items as { name: string; state: string }[])
        .map((i) => [i.name, i.state])
        .sort(),
      [
        ["findings-triaged", "Done"],
        ["scan-run", "Done"],
      ],
    );
    const done = await settled(who.admin, ns, SCAN);
    assert.equal((done.status as { phase?: string }).phase, "Succeeded", "the scan task succeeded");
  });

  it("keeps an item's stamps when someone retypes them without completing anything (no forged history)", async () => {
    const current = await settled(who.admin, ns, SCAN);
    const body = await checklistPatch(SCAN, "scan-run", {
      completedBy: "carol",
      completedAt: "2001-01-01T00:00:00Z",
    });
    await patch("bob", SCAN, body);
    const after = await task(SCAN);
    const item = DeploymentTaskSpec.parse(after.spec).checklist.find((i) => i.name === "scan-run");
    const was = DeploymentTaskSpec.parse(current.spec).checklist.find((i) => i.name === "scan-run");
    assert.deepEqual([item?.completedBy, item?.completedAt], [was?.completedBy, was?.completedAt]);
  });

  it("still lets a person open an unbound general work item and complete it as its owner", async () => {
    const name = "shop-release-notes";
    await who.dave.create(
      resources.deploymentTask,
      taskManifest(name, {
        type: "Checklist",
        title: "Write the release notes",
        owners: [{ kind: "User", name: "dave" }],
        checklist: [{ name: "notes-written", state: "Done", completedBy: "alice" }],
      }),
      ns,
    );
    const created = DeploymentTaskSpec.parse((await task(name)).spec);
    assert.equal(created.checklist[0]?.completedBy, "dave", "stamped with the creator, not what was typed");
  });
});
