// Workflow templates (issue 14, part 3): a platform administrator defines a workflow (stages, tasks with checklists,
// dependencies, owners and SLAs, change type, approvals); a Release names one at creation and keeps the version it was
// created with, stamped by the server. dave (release manager of this namespace only) tries to get around it: writing
// a template, forging or swapping the stamped copy, following a template an Environment does not admit, and
// unblocking a task by dropping its dependency. Real API server, the operator's webhooks, the operator as its process.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ReleaseSpec } from "../../src/api/v1alpha1/release.js";
import { changeRequestNameOf } from "../../src/controllers/release/names.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { waitFor } from "../support/kube.js";
import { releaseSpec } from "../support/release-world.js";
import {
  SHA_A,
  WAIT_MS,
  argoTarget,
  assertDenied,
  createApplication,
  gatedFor,
  patchEnvironmentObserved,
  startGateWorld,
  syncWhenAsked,
  waitForAudit,
  waitForEntry,
  type GateWorld,
} from "./gate-world.js";

const WFT = resources.workflowTemplate;

interface TaskView {
  name: string;
  spec: {
    type: string;
    owners: { kind?: string; name: string }[];
    sla?: string;
    dependsOn?: string[];
    checklist: { name: string; requiresEvidence?: boolean }[];
  };
  phase?: string;
}

describe(
  "workflow templates: defined by administrators, pinned at creation, admitted by environments",
  { timeout: 900_000 },
  () => {
    let world: GateWorld;
    const w = (): GateWorld => world;
    const id = randomBytes(3).toString("hex");
    const feature = `feature-rollout-${id}`;
    const light = `light-${id}`;
    const hotfix = `hotfix-${id}`;
    const templates = [feature, light, hotfix];

    const featureSpec = (): Record<string, unknown> => ({
      description: "Feature rollout with change control",
      changeType: "Feature",
      regulated: true,
      stages: [
        {
          environment: w().dev,
          tasks: [
            {
              name: "prepare",
              type: "Checklist",
              checklist: [{ name: "notes-written", description: "Write the release notes." }],
            },
            {
              name: "migrate",
              type: "Coordination",
              dependsOn: ["prepare"],
              sla: "2h",
              owners: [{ kind: "User", name: "dave" }],
            },
          ],
        },
        { environment: w().prod, approvals: { required: 2 } },
      ],
    });

    before(async () => {
      world = await startGateWorld("wft");
      // The webhooks judge from the operator's cache: wait until it holds both Environments (a merge patch that
      // changes nothing, then their observedGeneration), or an Environment it has not seen yet is left to the gate.
      for (const env of [w().dev, w().prod]) await patchEnvironmentObserved(w(), env, {});
      const create = (name: string, spec: Record<string, unknown>) =>
        w().admin.create(WFT, {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "WorkflowTemplate",
          metadata: { name },
          spec,
        });
      await create(feature, featureSpec());
      await create(light, {
        regulated: false,
        stages: [{ environment: w().dev }, { environment: w().prod }],
      });
      await create(hotfix, {
        changeType: "Hotfix",
        regulated: true,
        stages: [{ environment: w().dev }, { environment: w().prod }],
      });
    });
    after(async () => {
      for (const name of templates)
        await w()
          .admin.delete(WFT, name)
          .catch(() => undefined);
      await world?.stop();
    });

    function release(
      name: string,
      extra: Record<string, unknown>,
      pipeline = [w().dev, w().prod],
    ): Record<string, unknown> {
      return {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Release",
        metadata: { name },
        spec: {
          ...releaseSpec({
            version: "1.0.0",
            revision: SHA_A,
            pipeline,
            targets: pipeline.map((env) => argoTarget(w(), env, `${name}-${env.split("-")[0] ?? env}`)),
          }),
          ...extra,
        },
      };
    }
    const daveCreates = (name: string, extra: Record<string, unknown>, pipeline?: string[]) =>
      w().dave.create(resources.release, release(name, extra, pipeline), w().namespace);

    async function tasksOf(releaseName: string, environment: string): Promise<TaskView[]> {
      const list = await w().admin.list(resources.deploymentTask, { namespace: w().namespace });
      return list.items
        .filter((t: KubeObject) => {
          const spec = t.spec as { releaseRef?: { name: string }; environment?: string };
          return spec.releaseRef?.name === releaseName && spec.environment === environment;
        })
        .map((t: KubeObject) => ({
          name: t.metadata.name,
          spec: t.spec as TaskView["spec"],
          phase: (t.status as { phase?: string } | undefined)?.phase,
        }));
    }

    it("forbids dave to write a WorkflowTemplate: templates are gate policy, as Environments are", async () => {
      await assertDenied(
        w().dave.create(WFT, {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "WorkflowTemplate",
          metadata: { name: `dave-${id}` },
          spec: { stages: [{ environment: w().dev }] },
        }),
        "forbidden",
        /workflowtemplates/,
      );
      await assertDenied(
        w().dave.patch(
          WFT,
          feature,
          undefined,
          { spec: { stages: [{ environment: w().dev }] } },
          { type: "merge" },
        ),
        "forbidden",
        /workflowtemplates/,
      );
    });

    it("refuses an invalid template with the path of the field at fault", async () => {
      const invalid = (name: string, tasks: Record<string, unknown>[]) =>
        w().admin.create(WFT, {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "WorkflowTemplate",
          metadata: { name: `${name}-${id}` },
          spec: { stages: [{ environment: w().dev, tasks }] },
        });
      await assertDenied(
        invalid("cycle", [
          { name: "a", type: "Checklist", dependsOn: ["b"] },
          { name: "b", type: "Checklist", dependsOn: ["a"] },
        ]),
        "WorkflowTemplateInvalid",
        /spec\.stages\[0\]\.tasks\[0\]\.dependsOn: the tasks a -> b -> a wait for each other/,
      );
      await assertDenied(
        invalid("unknown", [{ name: "a", type: "Checklist", dependsOn: ["nope"] }]),
        "WorkflowTemplateInvalid",
        /spec\.stages\[0\]\.tasks\[0\]\.dependsOn: task a depends on nope/,
      );
      await assertDenied(
        invalid("rollback", [{ name: "x", type: "Rollback" }]),
        "spec\\.stages\\[0\\]\\.tasks\\[0\\]\\.type",
        /Unsupported value: "Rollback"/,
      );
    });

    it("refuses dave forging spec.workflow, naming a missing template, or a template that does not fit", async () => {
      const pinned = await w().admin.get(WFT, light);
      const forged = {
        template: feature,
        uid: pinned.metadata.uid,
        generation: 1,
        digest: `sha256:${"0".repeat(64)}`,
        spec: {
          changeType: "Feature",
          regulated: true,
          stages: [{ environment: w().dev }, { environment: w().prod }],
        },
      };
      await assertDenied(
        daveCreates(`forged-${id}`, { workflowTemplate: feature, workflow: forged }),
        "WorkflowForged",
        /leave spec\.workflow out/,
      );
      // The attempt is on the record, with dave as its actor and the rule that refused it.
      await waitForAudit(
        w(),
        "AdmissionDenied",
        (e) =>
          e.object.name === `forged-${id}` &&
          e.actor === "dave" &&
          JSON.stringify(e.details).includes("WorkflowForged"),
      );
      await assertDenied(
        daveCreates(`forged2-${id}`, { workflow: forged }),
        "WorkflowForged",
        /spec\.workflow is stamped by the server/,
      );
      await assertDenied(
        daveCreates(`missing-${id}`, { workflowTemplate: `nope-${id}` }),
        "WorkflowTemplateNotFound",
        new RegExp(`no WorkflowTemplate nope-${id}`),
      );
      await assertDenied(
        daveCreates(`hot-${id}`, { workflowTemplate: hotfix }),
        "WorkflowTemplateRefused",
        /for Hotfix releases and this release is a Feature/,
      );
      await assertDenied(
        daveCreates(`short-${id}`, { workflowTemplate: feature }, [w().dev]),
        "WorkflowTemplateRefused",
        /list the template's stages in spec\.pipeline/,
      );
      // The regulated prod admits only regulated templates, whatever dave prefers.
      await assertDenied(
        daveCreates(`light-${id}`, { workflowTemplate: light }),
        "WorkflowTemplateRefused",
        /is regulated and WorkflowTemplate light-/,
      );
    });

    it("stamps the template as it stands, opens its tasks with their checklists, owners, SLA and order, and gates on them", async () => {
      const name = `rel-a-${id}`;
      await createApplication(w(), `${name}-dev`, w().dev);
      await createApplication(w(), `${name}-prod`, w().prod);
      const created = await daveCreates(name, { workflowTemplate: feature });
      const template = await w().admin.get(WFT, feature);
      const pin = (
        created.spec as { workflow?: { template: string; uid: string; generation: number; digest: string } }
      ).workflow;
      assert.equal(pin?.template, feature);
      assert.equal(pin?.uid, template.metadata.uid);
      assert.equal(pin?.generation, template.metadata.generation);
      assert.match(pin?.digest ?? "", /^sha256:[0-9a-f]{64}$/);

      await waitForEntry(
        w(),
        name,
        w().dev,
        gatedFor(/-wf-prepare-.*-wf-migrate-|-wf-migrate-.*-wf-prepare-/),
      );
      const tasks = await waitFor(
        "the template's two tasks",
        async () => {
          const found = await tasksOf(name, w().dev);
          return found.length === 2 ? found : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      const prepare = tasks.find((t) => t.name.includes("-wf-prepare-"));
      const migrate = tasks.find((t) => t.name.includes("-wf-migrate-"));
      assert.ok(prepare && migrate, JSON.stringify(tasks.map((t) => t.name)));
      assert.deepEqual(
        prepare.spec.checklist.map((i) => i.name),
        ["notes-written"],
      );
      assert.equal(prepare.spec.type, "Checklist");
      assert.deepEqual(
        prepare.spec.owners,
        [{ kind: "User", name: "dave" }],
        "no owners in the template: the release manager",
      );
      assert.equal(migrate.spec.type, "Coordination");
      assert.deepEqual(
        migrate.spec.checklist.map((i) => i.name),
        ["parties-informed"],
        "no checklist: the type's default",
      );
      assert.equal(migrate.spec.sla, "2h");
      assert.deepEqual(migrate.spec.dependsOn, [prepare.name]);
      await waitFor(
        "migrate to be Blocked by prepare",
        async () => {
          const t = (await tasksOf(name, w().dev)).find((x) => x.name === migrate.name);
          return t?.phase === "Blocked" ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );

      // dave may not unblock the task by dropping its dependency.
      await assertDenied(
        w().dave.patch(
          resources.deploymentTask,
          migrate.name,
          w().namespace,
          { spec: { dependsOn: [] } },
          { type: "merge" },
        ),
        "TaskFieldImmutable",
        /spec\.dependsOn of a check Stagegate opened cannot be changed/,
      );
      await waitForAudit(w(), "AdmissionDenied", (e) => e.object.name === migrate.name && e.actor === "dave");
      // Nor swap the template, or the copy, of a release in flight.
      await assertDenied(
        w().dave.patch(
          resources.release,
          name,
          w().namespace,
          { spec: { workflowTemplate: light } },
          { type: "merge" },
        ),
        "spec.workflowTemplate",
        /cannot change/,
      );
      await assertDenied(
        w().dave.patch(
          resources.release,
          name,
          w().namespace,
          { spec: { workflow: { generation: 99 } } },
          { type: "merge" },
        ),
        "WorkflowForged",
        /cannot be set or altered by hand/,
      );

      // An administrator edits the template: the release in flight keeps what it was created with.
      const edited = featureSpec();
      (edited.stages as { tasks?: unknown[] }[])[0]!.tasks!.push({ name: "extra", type: "Checklist" });
      await w().admin.patch(WFT, feature, undefined, { spec: edited }, { type: "merge" });

      // Doing the work in order clears the gate; completing migrate first does not.
      const done = (task: string, item: string) =>
        w().dave.patch(
          resources.deploymentTask,
          task,
          w().namespace,
          { spec: { checklist: [{ name: item, state: "Done" }] } },
          { type: "merge" },
        );
      await done(migrate.name, "parties-informed");
      await waitFor(
        "migrate's item to be on record, the task still Blocked",
        async () => {
          const t = await w().admin.get(resources.deploymentTask, migrate.name, w().namespace);
          const status = t.status as { progress?: string; phase?: string } | undefined;
          return status?.progress === "1/1" && status.phase === "Blocked" ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      await waitForEntry(w(), name, w().dev, gatedFor(/waiting for .*-wf-prepare-.*-wf-migrate-/));
      await done(prepare.name, "notes-written");
      await syncWhenAsked(w(), `${name}-dev`);
      await waitForEntry(w(), name, w().dev, (e) => e.state === "Verified");
      const after = await w().admin.get(resources.release, name, w().namespace);
      assert.equal(
        (after.spec as { workflow?: { generation: number } }).workflow?.generation,
        pin?.generation,
      );
      assert.equal(
        (await tasksOf(name, w().dev)).length,
        2,
        "the edit opened no task for the release in flight",
      );

      // The stage's approval policy raises prod's one approval to two.
      const change = changeRequestNameOf({ name, spec: ReleaseSpec.parse(after.spec) }, w().prod, 1);
      const required = await waitFor(
        "the prod Approval",
        async () => {
          const cr = await w()
            .admin.get(resources.changeRequest, change, w().namespace)
            .catch(() => undefined);
          const approval = (cr?.status as { approvalRef?: { name: string } } | undefined)?.approvalRef?.name;
          if (approval === undefined) return undefined;
          return (
            (await w().admin.get(resources.approval, approval, w().namespace)).spec as { required?: number }
          ).required;
        },
        { timeoutMs: WAIT_MS },
      );
      assert.equal(required, 2);
    });

    it("gives a release created after the edit the template as edited", async () => {
      const name = `rel-b-${id}`;
      await createApplication(w(), `${name}-dev`, w().dev);
      await daveCreates(name, { workflowTemplate: feature });
      const tasks = await waitFor(
        "the edited template's three tasks",
        async () => {
          const found = await tasksOf(name, w().dev);
          return found.length === 3 ? found : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      assert.ok(tasks.some((t) => t.name.includes("-wf-extra-")));
    });

    it("holds a release at an Environment that stops admitting its template", async () => {
      const name = `rel-c-${id}`;
      await createApplication(w(), `${name}-dev`, w().dev);
      await daveCreates(name, { workflowTemplate: feature });
      await w().admin.patch(
        resources.environment,
        w().dev,
        undefined,
        { spec: { gate: { workflowTemplates: [hotfix] } } },
        { type: "merge" },
      );
      await waitForEntry(w(), name, w().dev, gatedFor(/admits only the workflow templates \[hotfix-/));
      // Leaving the template out is not the way around the list.
      await assertDenied(
        daveCreates(`plain-${id}`, {}),
        "WorkflowTemplateRefused",
        /admits only releases following one of the workflow templates \[hotfix-/,
      );
      await w().admin.patch(
        resources.environment,
        w().dev,
        undefined,
        { spec: { gate: { workflowTemplates: [] } } },
        { type: "merge" },
      );
    });
  },
);
