// The promotion part of the demo's story: dave declares Release shop 2.1.0, Stagegate promotes it into
// dev (the Argo CD stand-in completes the sync), gates prod-eu on a security scan and two approvals, erin
// does the scan, alice and carol approve with the CLI, and the release is promoted into prod-eu and
// verified there.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../src/api/v1alpha1/deployment-task.js";
import { ReleaseSpec, ReleaseStatus, type ReleaseEnvironmentStatus } from "../../src/api/v1alpha1/release.js";
import { changeRequestNameOf, checkTaskNameOf } from "../../src/controllers/release/names.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { kubectlAs, stagegate } from "./run-cli.js";
import { identity, type StoryContext, type StoryStep } from "./story.js";

/** The manifest dave applies: the shop's release. */
export const SHOP_RELEASE_FILE = "hack/demo/shop-release.yaml";
const NAMESPACE = "default";
const CHECK = "SecurityScan";
const APPLICATION_COLUMNS = [
  "NAME:.metadata.name",
  "SYNC:.status.sync.status",
  "HEALTH:.status.health.status",
  "REVISION:.status.sync.revision",
  "SYNCED-BY:.status.operationState.operation.initiatedBy.username",
  "LOCKED-BY:.metadata.annotations.stagegate\\.io/locked-by",
].join(",");

/** The release as declared in its manifest, so every name the story uses is computed, never typed in. */
async function readShopRelease(repo: string): Promise<{ name: string; spec: ReleaseSpec }> {
  const doc = parse(await readFile(path.join(repo, SHOP_RELEASE_FILE), "utf8")) as {
    metadata: { name: string };
    spec: unknown;
  };
  return { name: doc.metadata.name, spec: ReleaseSpec.parse(doc.spec) };
}

/** The promotion steps, from `atSeconds` on; each waits (level-based) for the state it tells about. */
export async function promotionStory(ctx: StoryContext, atSeconds: number): Promise<StoryStep[]> {
  const release = await readShopRelease(ctx.repo);
  const [dev, prod] = release.spec.pipeline;
  const devTarget = release.spec.targets.find((t) => t.environment === dev)?.argoCD;
  const prodTarget = release.spec.targets.find((t) => t.environment === prod)?.argoCD;
  if (dev === undefined || prod === undefined || devTarget === undefined || prodTarget === undefined) {
    throw new Error(`${SHOP_RELEASE_FILE} must list two environments, each with an Argo CD target.`);
  }
  const change = changeRequestNameOf(release, prod);
  const task = checkTaskNameOf(release, prod, CHECK);
  const rev7 = prodTarget.revision.slice(0, 7);

  const statusOf = async (): Promise<ReleaseStatus | undefined> => {
    const obj = await readOrUndefined(ctx, resources.release, release.name);
    const parsed = ReleaseStatus.safeParse(obj?.status ?? {});
    return parsed.success ? parsed.data : undefined;
  };
  const envOf = async (name: string): Promise<ReleaseEnvironmentStatus | undefined> =>
    (await statusOf())?.environments?.find((e) => e.name === name);
  const taskPhase = async (): Promise<string | undefined> => {
    const parsed = DeploymentTaskStatus.safeParse(
      (await readOrUndefined(ctx, resources.deploymentTask, task))?.status ?? {},
    );
    return parsed.success ? parsed.data.phase : undefined;
  };
  const approvalOpen = async (): Promise<boolean> => {
    const parsed = ChangeRequestStatus.safeParse(
      (await readOrUndefined(ctx, resources.changeRequest, change))?.status ?? {},
    );
    return parsed.success && parsed.data.approvalRef !== undefined;
  };
  const as = (who: string) => identity(ctx, who);
  const status = () => stagegate(ctx.repo, ["status", release.name, "-n", NAMESPACE], as("dave"));

  return [
    {
      atSeconds,
      say:
        `dave (release manager) declares Release ${release.name} ${release.spec.version}: ${dev} takes every ` +
        `merge; ${prod} needs a ${CHECK} and two approvals. Both are delivered by Argo CD syncs to ${rev7}.`,
      run: () =>
        kubectlAs(ctx.binDir, as("dave"), [
          "apply",
          "-n",
          NAMESPACE,
          "-f",
          path.join(ctx.repo, SHOP_RELEASE_FILE),
        ]),
    },
    {
      atSeconds: atSeconds + 2,
      when: {
        what: `${release.name} to be Verified in ${dev}`,
        check: async () => (await envOf(dev))?.state === "Verified",
      },
      say:
        `Stagegate asked Argo CD to sync ${devTarget.namespace}/${devTarget.name} to ${rev7}; ` +
        "the stand-in synced it " +
        `(Synced, Healthy), so ${release.name} is Verified in ${dev} and moves on to ${prod}.`,
      run: () =>
        kubectlAs(ctx.binDir, as("admin"), [
          "get",
          "applications.argoproj.io",
          "-n",
          prodTarget.namespace,
          `-o=custom-columns=${APPLICATION_COLUMNS}`,
        ]),
    },
    {
      atSeconds: atSeconds + 4,
      when: {
        what: `${release.name} to be Gated in ${prod}`,
        check: async () => (await envOf(prod))?.state === "Gated" && (await approvalOpen()),
      },
      say:
        `${prod} is Gated: Stagegate opened the ${CHECK} task ${task} and the ChangeRequest ${change} ` +
        "(<release>-<environment>-<hash of what it binds: release, artifact, target, promotion>), and says " +
        "what each still needs.",
      run: status,
    },
    {
      atSeconds: atSeconds + 7,
      say:
        `dave tries a shortcut: a hotfix Release whose ${dev} target is the production Application ` +
        `${prodTarget.name}. ${dev} does not own it (only Applications labelled for ${dev}), so the API server ` +
        "refuses it through Stagegate's Release webhook, naming the rule and the fix; the refusal is audited.",
      run: async () => {
        const manifest = path.join(ctx.workDir, "shortcut-release.json");
        const shortcut = {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Release",
          metadata: { name: `${release.name}-shortcut`, namespace: NAMESPACE },
          spec: {
            ...release.spec,
            pipeline: [dev],
            targets: [{ environment: dev, argoCD: { ...prodTarget } }],
          },
        };
        await writeFile(manifest, JSON.stringify(shortcut, undefined, 2));
        return kubectlAs(ctx.binDir, as("dave"), ["apply", "-f", manifest]);
      },
    },
    {
      atSeconds: atSeconds + 10,
      say: `erin (developers, who own the applications in ${prod}) runs the scan and attaches the reports.`,
      run: async () => {
        const patch = path.join(ctx.workDir, "security-scan-done.json");
        await writeFile(patch, JSON.stringify(await scanDone(ctx, task), undefined, 2));
        return kubectlAs(ctx.binDir, as("erin"), [
          "patch",
          "deploymenttask",
          task,
          "-n",
          NAMESPACE,
          "--type=merge",
          `--patch-file=${patch}`,
        ]);
      },
    },
    {
      atSeconds: atSeconds + 12,
      when: { what: `${task} to succeed`, check: async () => (await taskPhase()) === "Succeeded" },
      say: `The scan task succeeded. alice asks what waits for her decision: the change to ${prod}.`,
      run: () => stagegate(ctx.repo, ["changes", "--pending-for-me", "-n", NAMESPACE], as("alice")),
    },
    {
      atSeconds: atSeconds + 14,
      say:
        "grace is an approver too, but she authored a commit of the release: separation of duties leaves " +
        "her out.",
      run: () => stagegate(ctx.repo, ["changes", "--pending-for-me", "-n", NAMESPACE], as("grace")),
    },
    {
      atSeconds: atSeconds + 16,
      say: `alice approves ${change} with the CLI (1 of 2).`,
      run: () =>
        stagegate(
          ctx.repo,
          [
            "approve",
            change,
            "-n",
            NAMESPACE,
            "--comment",
            "Scan is clean; delivery estimates checked in dev.",
          ],
          as("alice"),
        ),
    },
    {
      atSeconds: atSeconds + 18,
      say:
        "carol gives the second approval: the change is Approved, the gate opens and Stagegate requests " +
        `the sync of ${prodTarget.name}.`,
      run: () =>
        stagegate(
          ctx.repo,
          ["approve", change, "-n", NAMESPACE, "--comment", "Go for the EU storefront."],
          as("carol"),
        ),
    },
    {
      atSeconds: atSeconds + 22,
      when: {
        what: `${release.name} to be Verified in ${prod}`,
        check: async () => (await envOf(prod))?.state === "Verified",
      },
      say:
        `The stand-in synced ${prodTarget.name}: ${release.name} ${release.spec.version} ` +
        `is Verified in ${prod}, ` +
        "every step timestamped.",
      run: status,
    },
    {
      atSeconds: atSeconds + 24,
      say: "The audit trail now holds the release's promotions and decisions too; the whole chain verifies.",
      run: () => stagegate(ctx.repo, ["audit", "verify", ctx.auditLog]),
    },
  ];
}

/**
 * The scan task's checklist with every item done, with the evidence a security scan needs: the report's URL, and
 * the artifact's digest when the task is bound to one. The webhook stamps erin as who completed each item.
 */
async function scanDone(ctx: StoryContext, name: string): Promise<unknown> {
  const obj = await ctx.client.get(resources.deploymentTask, name, NAMESPACE);
  const spec = DeploymentTaskSpec.parse(obj.spec);
  const digest = spec.binding?.artifact.digests[0] ?? spec.binding?.artifact.commit;
  const checklist = spec.checklist.map((item) => ({
    ...item,
    state: "Done",
    evidence: {
      uri: `https://scans.example.com/shop/2.1.0/${item.name}`,
      ...(digest === undefined ? {} : { digest }),
      result: "Passed",
    },
  }));
  return { spec: { checklist } };
}

async function readOrUndefined(ctx: StoryContext, rt: ResourceType, name: string) {
  try {
    return await ctx.client.get(rt, name, NAMESPACE);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
