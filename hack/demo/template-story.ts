// The workflow-template part of the demo's story: dave declares a preview of the shop that names the WorkflowTemplate
// shop-preview (hack/demo/shop-platform.yaml); the server pins the template in the release, the dev gate opens the
// template's task (`-wf-` in its name), erin (developers, dev's application owners) does it, and the preview enters
// dev.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../src/api/v1alpha1/deployment-task.js";
import { ReleaseSpec, ReleaseStatus } from "../../src/api/v1alpha1/release.js";
import { resources } from "../../src/controllers/resources.js";
import { kubectlAs, stagegate } from "./run-cli.js";
import { identity, type StoryContext, type StoryStep } from "./story.js";

/** The manifest dave applies: a release that follows a workflow template. */
export const PREVIEW_RELEASE_FILE = "hack/demo/shop-preview-release.yaml";
const NAMESPACE = "default";

/** A template task of `release`, as the story reads it. */
export interface TemplateTaskSeen {
  name: string;
  spec: DeploymentTaskSpec;
  phase: string | undefined;
}

/** The tasks the release's template opened: DeploymentTasks of the release named `<release>-<env>-wf-<task>-<hash>`. */
export async function templateTasksOf(ctx: StoryContext, release: string): Promise<TemplateTaskSeen[]> {
  const list = await ctx.client.list(resources.deploymentTask, { namespace: NAMESPACE });
  return list.items.flatMap((item) => {
    const spec = DeploymentTaskSpec.safeParse(item.spec);
    if (!spec.success || spec.data.releaseRef?.name !== release) return [];
    if (!item.metadata.name.startsWith(`${release}-`) || !item.metadata.name.includes("-wf-")) return [];
    const status = DeploymentTaskStatus.safeParse(item.status ?? {});
    return [
      { name: item.metadata.name, spec: spec.data, phase: status.success ? status.data.phase : undefined },
    ];
  });
}

/** The template steps, from `atSeconds` on; each waits (level-based) for the state it tells about. */
export async function templateStory(ctx: StoryContext, atSeconds: number): Promise<StoryStep[]> {
  const doc = parse(await readFile(path.join(ctx.repo, PREVIEW_RELEASE_FILE), "utf8")) as {
    metadata: { name: string };
    spec: unknown;
  };
  const release = doc.metadata.name;
  const spec = ReleaseSpec.parse(doc.spec);
  const template = spec.workflowTemplate ?? "";
  const [stage] = spec.pipeline;
  if (template === "" || stage === undefined) {
    throw new Error(`${PREVIEW_RELEASE_FILE} must name a workflow template and a pipeline.`);
  }
  const as = (who: string) => identity(ctx, who);
  const state = async (): Promise<string | undefined> => {
    const obj = await ctx.client.get(resources.release, release, NAMESPACE).catch(() => undefined);
    const parsed = ReleaseStatus.safeParse(obj?.status ?? {});
    return parsed.success ? parsed.data.environments?.find((e) => e.name === stage)?.state : undefined;
  };
  const tasks = () => templateTasksOf(ctx, release);

  return [
    {
      atSeconds,
      say:
        `dave declares Release ${release} ${spec.version}, which follows WorkflowTemplate ${template}: the ` +
        "server copies the template as it stands into spec.workflow, so a later edit does not change this release.",
      run: () =>
        kubectlAs(ctx.binDir, as("dave"), [
          "apply",
          "-n",
          NAMESPACE,
          "-f",
          path.join(ctx.repo, PREVIEW_RELEASE_FILE),
        ]),
    },
    {
      atSeconds: atSeconds + 2,
      when: {
        what: `the ${template} template's tasks of ${release}`,
        check: async () => (await tasks()).length > 0,
      },
      say:
        `${release} is Gated at ${stage}: its template opened its tasks there, named ` +
        `<release>-<environment>-wf-<task>-<hash> (kubectl get deploymenttasks, the -wf- lines).`,
      run: async () => {
        const out = await kubectlAs(ctx.binDir, as("dave"), ["get", "deploymenttasks", "-n", NAMESPACE]);
        const [command = "", header = "", ...rest] = out.split("\n");
        return [
          command,
          header,
          ...rest.filter((line) => line.includes("-wf-") || line.startsWith("(exit")),
        ].join("\n");
      },
    },
    {
      atSeconds: atSeconds + 4,
      say: `erin (developers, ${stage}'s application owners) writes the release notes and ticks the template task.`,
      run: async () => {
        const [task] = await tasks();
        if (task === undefined) throw new Error(`${release} has no template task.`);
        const patch = path.join(ctx.workDir, "template-task-done.json");
        const checklist = task.spec.checklist.map((item) => ({ ...item, state: "Done" }));
        await writeFile(patch, JSON.stringify({ spec: { checklist } }, undefined, 2));
        return kubectlAs(ctx.binDir, as("erin"), [
          "patch",
          "deploymenttask",
          task.name,
          "-n",
          NAMESPACE,
          "--type=merge",
          `--patch-file=${patch}`,
        ]);
      },
    },
    {
      atSeconds: atSeconds + 6,
      when: {
        what: `${release} to be Verified in ${stage}`,
        check: async () => (await state()) === "Verified",
      },
      say: `The template task succeeded, the gate opened and ${release} is Verified in ${stage}.`,
      run: () => stagegate(ctx.repo, ["status", release, "-n", NAMESPACE], as("dave")),
    },
  ];
}
