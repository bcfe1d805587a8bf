// The story of `make demo`, played on a cluster where the chart's operator runs as pods: the demo's own steps
// (hack/demo/story.ts, hack/demo/promotion-story.ts, hack/demo/template-story.ts), its objects (config/samples, hack/demo/shop-platform.yaml),
// its people with their own credentials and RBAC (hack/manifests/local-user-rbac.yaml) and its Argo CD stand-in.
// Steps run one after another as soon as what each waits for is true (the demo's pacing is for people watching).
// One release is added to the demo's: payments 1.5.0, delivered through a Flux Kustomization and then a Flux
// HelmRelease, so the operator's Flux rights are used too (the demo delivers through Argo CD only).
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { REPO } from "../../hack/chart/layout.js";
import { startArgoCDStandIn, type ArgoCDStandIn } from "../../hack/demo/argocd-stand-in.js";
import { promotionStory } from "../../hack/demo/promotion-story.js";
import { kubectlAs, stagegate } from "../../hack/demo/run-cli.js";
import { changeControlStory, identity, type StoryContext, type StoryStep } from "../../hack/demo/story.js";
import { templateStory } from "../../hack/demo/template-story.js";
import { ReleaseStatus } from "../../src/api/v1alpha1/release.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { startGitOpsStandIn, type GitOpsStandIn } from "../support/e2e-gitops-stand-in.js";
import type { InstallCluster } from "../support/install-cluster.js";
import { waitFor } from "../support/kube.js";

/** How long one step may wait for the state it tells about. */
const STEP_TIMEOUT_MS = 90_000;

/** One step as it played: what the demo says, what its command printed, and its exit code when it ran one. */
export interface PlayedStep {
  say: string;
  out: string;
  exit: number | undefined;
}

/** The demo's two tracks, with the promotion split where a release waits at the gated environment. */
export interface DemoStory {
  changeControl: StoryStep[];
  /** dave declares shop; it is Verified in dev and Gated in prod-eu. */
  promotionToGate: StoryStep[];
  /** The shortcut refused, the scan, the approvals, Verified in prod-eu, the trail verified. */
  promotionThroughGate: StoryStep[];
  /** dave declares payments 1.5.0; Flux delivers it to payments-dev, then payments-live. */
  fluxRelease: StoryStep[];
  /** dave declares shop-preview, which follows WorkflowTemplate shop-preview; erin does its task; Verified in dev. */
  templateRelease: StoryStep[];
  /** The story's context, for reading what the demo's steps made. */
  ctx: StoryContext;
  /** What the Argo CD stand-in said, in order. */
  standInSaid: readonly string[];
  /** What the Flux stand-in completed, in order. */
  fluxCompleted: readonly string[];
  stop(): Promise<void>;
}

/** The Flux release's name, namespace of its delivery objects, and its two stages. */
export const FLUX_RELEASE = {
  name: "payments",
  namespace: "payments",
  stages: ["payments-dev", "payments-live"],
} as const;

/** What the platform team sets up for the Flux release: the stages and the delivery objects they own. */
function fluxPlatform(): Record<string, unknown>[] {
  const { namespace, stages } = FLUX_RELEASE;
  const meta = (name: string) => ({ name, namespace });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: stages[0] },
      spec: {
        description: "Payments, every merge.",
        delivery: { fluxKustomizations: { namespaces: [namespace] } },
      },
    },
    {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: stages[1] },
      spec: {
        description: "Payments for customers.",
        promotesFrom: [stages[0]],
        delivery: { fluxHelmReleases: { namespaces: [namespace] } },
      },
    },
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: meta("payments"),
      spec: { url: "https://git.example.com/acme/payments.git", interval: "5m", ref: { branch: "main" } },
    },
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: meta("payments"),
      spec: {
        interval: "10m",
        prune: true,
        path: "./deploy",
        sourceRef: { kind: "GitRepository", name: "payments" },
      },
    },
    {
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: meta("payments"),
      spec: {
        interval: "10m",
        chart: {
          spec: { chart: "payments", version: "1.4.0", sourceRef: { kind: "HelmRepository", name: "acme" } },
        },
      },
    },
  ];
}

/** The Release dave declares: the commit through the Kustomization, then chart 1.5.0 through the HelmRelease. */
function fluxReleaseManifest(): Record<string, unknown> {
  const { name, namespace, stages } = FLUX_RELEASE;
  const revision = randomBytes(20).toString("hex");
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name, namespace: "default" },
    spec: {
      version: "1.5.0",
      source: {
        repoURL: "https://git.example.com/acme/payments.git",
        branch: "main",
        revision,
        commits: [
          { sha: revision, author: { name: "Priya Raman" }, message: "PAY-77: settle refunds daily" },
        ],
      },
      pipeline: [...stages],
      targets: [
        { environment: stages[0], flux: { kind: "Kustomization", name: "payments", namespace, revision } },
        {
          environment: stages[1],
          flux: { kind: "HelmRelease", name: "payments", namespace, chartVersion: "1.5.0" },
        },
      ],
      owners: {
        releaseManager: { kind: "User", name: "dave" },
        rollbackOwner: { kind: "Group", name: "payments-oncall" },
      },
    },
  };
}

/** The Flux release's steps: dave applies it; it is Verified in both stages; dave reads its status. */
async function fluxReleaseSteps(ctx: StoryContext, admin: KubeClient): Promise<StoryStep[]> {
  const { name, stages } = FLUX_RELEASE;
  const manifest = path.join(ctx.workDir, "payments-release.json");
  await writeFile(manifest, JSON.stringify(fluxReleaseManifest(), undefined, 2));
  const verifiedEverywhere = async (): Promise<boolean> => {
    const obj = await admin.get(resources.release, name, "default");
    const status = ReleaseStatus.parse(obj.status ?? {});
    return stages.every((stage) => status.environments?.find((e) => e.name === stage)?.state === "Verified");
  };
  return [
    {
      atSeconds: 0,
      say: `dave declares Release ${name} 1.5.0, delivered by Flux: a Kustomization, then a HelmRelease.`,
      run: () => kubectlAs(ctx.binDir, identity(ctx, "dave"), ["apply", "-f", manifest]),
    },
    {
      atSeconds: 0,
      when: { what: `${name} to be Verified in ${stages.join(" and ")}`, check: verifiedEverywhere },
      say: `Stagegate pinned the GitRepository, then the chart version; ${name} is Verified in both stages.`,
      run: () => stagegate(ctx.repo, ["status", name, "-n", "default"], identity(ctx, "dave")),
    },
  ];
}

/**
 * Prepares the demo's world as the admin (the local people's role bindings, the metrics scraper, the samples, the
 * shop's platform) and starts the Argo CD stand-in. `auditLog` is the trail the story's `audit verify` steps read.
 */
export async function prepareDemoStory(
  k: InstallCluster,
  admin: KubeClient,
  workDir: string,
  auditLog: string,
): Promise<DemoStory> {
  await mkdir(workDir, { recursive: true });
  const apply = (file: string) => k.kubectlOk(["apply", "-f", path.join(REPO, file)]);
  await apply("hack/manifests/local-user-rbac.yaml");
  await apply("hack/manifests/local-metrics-scraper.yaml");
  await apply("config/samples");
  await apply("hack/demo/shop-platform.yaml");
  await k.kubectlOk(
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: fluxPlatform() }),
  );
  const ctx: StoryContext = {
    repo: REPO,
    kubectl: (args) => k.kubectlOk(args),
    client: admin,
    binDir: k.cluster.binDir,
    workDir,
    kubeconfigs: k.cluster.kubeconfigs,
    auditLog,
  };
  const standInSaid: string[] = [];
  const standIn: ArgoCDStandIn = startArgoCDStandIn(admin, {
    namespace: "argocd",
    syncMs: 500,
    pollMs: 250,
    say: (line) => standInSaid.push(line),
  });
  const flux: GitOpsStandIn = startGitOpsStandIn(admin, FLUX_RELEASE.namespace, { pollMs: 250 });
  const promotion = await promotionStory(ctx, 0);
  const gated = promotion.findIndex((step) => /Gated/.test(step.when?.what ?? ""));
  if (gated < 0) throw new Error("The demo's promotion story no longer waits for a Gated environment.");
  return {
    changeControl: changeControlStory(ctx),
    promotionToGate: promotion.slice(0, gated + 1),
    promotionThroughGate: promotion.slice(gated + 1),
    fluxRelease: await fluxReleaseSteps(ctx, admin),
    templateRelease: await templateStory(ctx, 0),
    ctx,
    standInSaid,
    fluxCompleted: flux.completed,
    stop: async () => {
      await standIn.stop();
      await flux.stop();
    },
  };
}

/**
 * Plays `steps` in order, each once what it waits for holds (bounded), and returns how each played. After each step,
 * `check` judges it (for example its exit code), so a step that went wrong fails at once, not a later wait.
 */
export async function playSteps(
  steps: readonly StoryStep[],
  check: (step: PlayedStep) => void,
): Promise<PlayedStep[]> {
  const played: PlayedStep[] = [];
  for (const step of steps) {
    if (step.when !== undefined) {
      const { what, check: holds } = step.when;
      await waitFor(what, async () => ((await holds()) ? true : undefined), {
        timeoutMs: STEP_TIMEOUT_MS,
        intervalMs: 250,
      });
    }
    const out = await step.run();
    const exit = /\(exit (\d+|null)\)\s*$/.exec(out)?.[1];
    const result = { say: step.say, out, exit: exit === undefined ? undefined : Number(exit) };
    check(result);
    played.push(result);
  }
  return played;
}
