import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { WorkflowTemplateSpec } from "../../../src/api/v1alpha1/workflow-template.js";
import type { GateBinding } from "../../../src/api/v1alpha1/binding.js";
import { planTemplateTasks, templateTaskName } from "../../../src/controllers/release/template-tasks.js";
import {
  templateMismatch,
  templateRefusal,
  requiredApprovals,
} from "../../../src/policy/workflow-template.js";
import { dependencyProblem } from "../../../src/workflow/dependencies.js";
import { effectiveEnvironment } from "../../../src/workflow/effective-environment.js";
import { pinTemplate, templateDigest } from "../../../src/workflow/pin.js";
import { decideWorkflow } from "../../../src/webhooks/release-workflow.js";

const template = WorkflowTemplateSpec.parse({
  regulated: true,
  stages: [
    {
      environment: "dev",
      tasks: [
        { name: "prepare", type: "Checklist", checklist: [{ name: "notes" }] },
        {
          name: "migrate",
          type: "Coordination",
          dependsOn: ["prepare"],
          sla: "2h",
          owners: [{ kind: "Role", name: "QA" }],
        },
      ],
    },
    { environment: "prod", approvals: { required: 3 } },
  ],
});
const object = { metadata: { name: "feature", uid: "u-1", generation: 4 }, spec: template };
const pinned = pinTemplate(object);
assert.ok(pinned.ok);
const pin = pinned.pin;

const release = ReleaseSpec.parse({
  version: "1.0.0",
  source: { repoURL: "https://git.example.com/a.git", revision: "4f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e" },
  pipeline: ["dev", "prod"],
  owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
  workflowTemplate: "feature",
  workflow: pin,
});
const env = (spec: Record<string, unknown> = {}) => EnvironmentSpec.parse(spec);
const binding: GateBinding = {
  release: { name: "rel", uid: "r-1" },
  environment: "dev",
  artifact: { commit: "4f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e", digests: [] },
  target: {
    kind: "Application",
    namespace: "team",
    name: "rel-dev",
    revision: "4f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e",
  },
};

describe("workflow template pins", () => {
  it("copy the template's name, UID, generation and spec, with a digest of the spec", () => {
    assert.equal(pin.template, "feature");
    assert.equal(pin.uid, "u-1");
    assert.equal(pin.generation, 4);
    assert.equal(pin.digest, templateDigest(template));
    const other = WorkflowTemplateSpec.parse({ ...template, regulated: false });
    assert.notEqual(templateDigest(other), pin.digest);
  });

  it("refuse a template that does not parse, naming the field", () => {
    const bad = pinTemplate({ metadata: { name: "x", uid: "u", generation: 1 }, spec: { stages: [] } });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? "" : bad.problem, /^spec\.stages: /);
  });
});

describe("the release webhook's decision on spec.workflow", () => {
  const lookup = (name: string) => Promise.resolve(name === "feature" ? object : undefined);

  it("stamps a new release with the template it names", async () => {
    const decision = await decideWorkflow(undefined, { workflowTemplate: "feature" }, lookup);
    assert.equal(decision.verdict.allowed, true);
    assert.deepEqual(decision.patch, [{ op: "add", path: "/spec/workflow", value: pin }]);
  });

  it("accepts the very stamp it would write, and refuses any other", async () => {
    const same = await decideWorkflow(undefined, { workflowTemplate: "feature", workflow: pin }, lookup);
    assert.equal(same.verdict.allowed, true);
    const forged = await decideWorkflow(
      undefined,
      { workflowTemplate: "feature", workflow: { ...pin, generation: 1 } },
      lookup,
    );
    assert.equal(forged.verdict.allowed ? "" : forged.verdict.rule, "WorkflowForged");
    const without = await decideWorkflow(undefined, { workflow: pin }, lookup);
    assert.equal(without.verdict.allowed ? "" : without.verdict.rule, "WorkflowForged");
  });

  it("refuses a template that does not exist, or a webhook that cannot read templates", async () => {
    const missing = await decideWorkflow(undefined, { workflowTemplate: "nope" }, lookup);
    assert.equal(missing.verdict.allowed ? "" : missing.verdict.rule, "WorkflowTemplateNotFound");
    const blind = await decideWorkflow(undefined, { workflowTemplate: "feature" }, undefined);
    assert.equal(blind.verdict.allowed ? "" : blind.verdict.rule, "WorkflowTemplateNotFound");
  });

  it("keeps the stamp on updates: unchanged passes without reading the template, changed or removed is refused", async () => {
    const kept = await decideWorkflow({ workflow: pin }, { workflow: pin }, undefined);
    assert.deepEqual(kept, { verdict: { allowed: true }, patch: [] });
    const removed = await decideWorkflow({ workflow: pin }, {}, undefined);
    assert.equal(removed.verdict.allowed ? "" : removed.verdict.rule, "WorkflowForged");
    const added = await decideWorkflow({}, { workflow: pin }, undefined);
    assert.equal(added.verdict.allowed ? "" : added.verdict.rule, "WorkflowForged");
  });
});

describe("what environments admit", () => {
  it("a fitting release passes; another change type or pipeline is named", () => {
    assert.equal(templateMismatch(release), undefined);
    assert.match(
      templateMismatch({ ...release, changeType: "Hotfix" }) ?? "",
      /for Feature releases and this release is a Hotfix/,
    );
    assert.match(templateMismatch({ ...release, pipeline: ["dev"] }) ?? "", /has the stages \[dev, prod\]/);
    assert.equal(
      templateMismatch({ ...release, workflow: undefined }),
      undefined,
      "no template: the default workflow",
    );
  });

  it("an allow-list, regulation and named approvers decide", () => {
    assert.equal(templateRefusal("dev", env(), pin), undefined);
    assert.equal(templateRefusal("dev", env(), undefined), undefined);
    assert.match(
      templateRefusal("dev", env({ gate: { workflowTemplates: ["feature"] } }), undefined) ?? "",
      /admits only releases following one of the workflow templates \[feature\]/,
      "leaving the template out is not the way around a listed one",
    );
    assert.match(
      templateRefusal("dev", env({ gate: { workflowTemplates: ["hotfix"] } }), pin) ?? "",
      /admits only the workflow templates \[hotfix\]/,
    );
    const light = { ...pin, spec: { ...pin.spec, regulated: false } };
    assert.match(
      templateRefusal("dev", env({ regulated: true }), light) ?? "",
      /is regulated and WorkflowTemplate feature is not/,
    );
    assert.match(
      templateRefusal("prod", env(), pin) ?? "",
      /asks for 3 approvals in prod, whose Environment names no approvers/,
    );
    assert.equal(
      templateRefusal("prod", env({ gate: { approvers: { groups: ["approvers"] } } }), pin),
      undefined,
    );
  });

  it("a stage's approvals raise the Environment's, never lower them", () => {
    const prod = env({ gate: { requiredApprovals: 1, approvers: { groups: ["a"] } } });
    assert.equal(requiredApprovals("prod", prod, pin), 3);
    assert.equal(effectiveEnvironment("prod", prod, pin).gate.requiredApprovals, 3);
    const strict = env({ gate: { requiredApprovals: 5, approvers: { groups: ["a"] } } });
    assert.equal(effectiveEnvironment("prod", strict, pin), strict);
    assert.equal(requiredApprovals("dev", prod, pin), 1);
    assert.equal(effectiveEnvironment("prod", prod, undefined), prod);
  });
});

describe("template tasks", () => {
  const planned = planTemplateTasks({ name: "rel", spec: release }, binding, env({ taskSLA: "24h" }), () => [
    { kind: "User", name: "dave" },
  ]);

  it("are opened by deterministic names with the template's checklist, owners, SLA and dependencies", () => {
    assert.deepEqual(
      planned.map((t) => t.name),
      [templateTaskName(binding, "prepare"), templateTaskName(binding, "migrate")],
    );
    const [prepare, migrate] = planned;
    assert.deepEqual(
      prepare?.checklist.map((i) => i.name),
      ["notes"],
    );
    assert.deepEqual(
      prepare?.owners,
      [{ kind: "User", name: "dave" }],
      "no owners: the environment's default",
    );
    assert.equal(prepare?.sla, "24h", "no SLA: the environment's taskSLA");
    assert.equal(prepare?.dependsOn, undefined);
    assert.deepEqual(migrate?.owners, [{ kind: "Role", name: "QA" }]);
    assert.equal(migrate?.sla, "2h");
    assert.deepEqual(migrate?.dependsOn, [templateTaskName(binding, "prepare")]);
    assert.deepEqual(
      migrate?.checklist.map((i) => i.name),
      ["parties-informed"],
      "no checklist: the type's default",
    );
  });

  it("differ from the Environment's own check names and from one binding to the next", () => {
    assert.match(templateTaskName(binding, "prepare"), /^rel-dev-wf-prepare-[0-9a-f]{10}$/);
    const other = { ...binding, artifact: { commit: "9".repeat(40), digests: [] } };
    assert.notEqual(templateTaskName(other, "prepare"), templateTaskName(binding, "prepare"));
  });

  it("are none at a stage without tasks, or without a template", () => {
    assert.deepEqual(
      planTemplateTasks({ name: "rel", spec: release }, { ...binding, environment: "prod" }, env(), () => []),
      [],
    );
    assert.deepEqual(
      planTemplateTasks({ name: "rel", spec: { ...release, workflow: undefined } }, binding, env(), () => []),
      [],
    );
  });
});

describe("template dependencies", () => {
  const stage = (tasks: Record<string, unknown>[]) =>
    WorkflowTemplateSpec.parse({ stages: [{ environment: "dev" }, { environment: "prod", tasks }] });

  it("accept a graph without cycles", () => {
    assert.equal(dependencyProblem(template), undefined);
    const diamond = stage([
      { name: "a", type: "Checklist" },
      { name: "b", type: "Checklist", dependsOn: ["a"] },
      { name: "c", type: "Checklist", dependsOn: ["a"] },
      { name: "d", type: "Checklist", dependsOn: ["b", "c"] },
    ]);
    assert.equal(dependencyProblem(diamond), undefined);
  });

  it("name a dependency outside the stage, and a cycle, with the field at fault", () => {
    assert.deepEqual(dependencyProblem(stage([{ name: "a", type: "Checklist", dependsOn: ["z"] }])), {
      path: "spec.stages[1].tasks[0].dependsOn",
      message:
        "task a depends on z, which stage prod does not have: name a task of the same stage, or remove the dependency",
    });
    const cycle = dependencyProblem(
      stage([
        { name: "a", type: "Checklist" },
        { name: "b", type: "Checklist", dependsOn: ["c"] },
        { name: "c", type: "Checklist", dependsOn: ["b"] },
      ]),
    );
    assert.equal(cycle?.path, "spec.stages[1].tasks[1].dependsOn");
    assert.match(cycle?.message ?? "", /the tasks b -> c -> b wait for each other/);
    assert.match(
      dependencyProblem(stage([{ name: "a", type: "Checklist", dependsOn: ["a"] }]))?.message ?? "",
      /a -> a/,
    );
  });
});
