// The scripted story of `make demo`: what happens when, told as it happens. This file holds the
// change-control part (the samples' payments-api release); promotion-story.ts holds the shop's promotion.
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { stagegate } from "./run-cli.js";

/** One step of the story: it runs once it is due and what it waits for is true, then says what happened. */
export interface StoryStep {
  /** Seconds after the story starts before the step may run. */
  atSeconds: number;
  /** What must be true in the cluster first, read afresh each time it is asked. */
  when?: { what: string; check: () => Promise<boolean> };
  say: string;
  run: () => Promise<string>;
}

/** What the story needs from the demo: the cluster as the admin, and each local identity's kubeconfig. */
export interface StoryContext {
  repo: string;
  /** kubectl as the admin; a failure ends the demo. */
  kubectl: (args: string[]) => Promise<string>;
  /** A client as the admin, for the story's own reads. */
  client: KubeClient;
  /** Where kubectl and the control-plane binaries are. */
  binDir: string;
  /** The demo's scratch directory (files the story's people write, such as a patch). */
  workDir: string;
  /** Kubeconfigs of the local identities, when the demo runs its own cluster (people need them). */
  kubeconfigs?: Record<string, string>;
  auditLog: string;
}

/** Who someone is in the demo: their name and the kubeconfig of their local identity. */
export function identity(ctx: StoryContext, who: string): { who: string; kubeconfig: string } {
  const kubeconfig = ctx.kubeconfigs?.[who];
  if (kubeconfig === undefined) throw new Error(`The demo has no kubeconfig for ${who}.`);
  return { who, kubeconfig };
}

const SCAN_DONE = {
  spec: {
    checklist: [
      {
        name: "image-scan",
        description: "Run the image scanner and attach its report.",
        requiresEvidence: true,
        state: "Done",
        evidence: { uri: "https://scans.example.com/r/8812", result: "Passed" },
      },
      { name: "dependency-review", description: "Review new third-party dependencies.", state: "Done" },
      {
        name: "pentest",
        description: "Only for major versions; the security team marks it Skipped otherwise.",
        required: false,
        state: "Skipped",
      },
    ],
  },
};

/**
 * On the demo's own cluster the admission webhooks let only a task's owners complete it: the admin acts as sam, a
 * member of the task's owning group `security` (and of `developers`, whose role may patch tasks). Elsewhere the
 * webhooks are off and the admin patches as itself.
 */
function securityTeamMember(ctx: StoryContext): string[] {
  return ctx.kubeconfigs === undefined ? [] : ["--as=sam", "--as-group=security", "--as-group=developers"];
}

/** The change-control steps: tasks unblock, then (on a local cluster) people decide the prod change. */
export function changeControlStory(ctx: StoryContext): StoryStep[] {
  const steps: StoryStep[] = [
    {
      atSeconds: 10,
      say: "The security team attaches the scan report: the scan succeeds and user acceptance unblocks.",
      run: () =>
        ctx.kubectl([
          "patch",
          "deploymenttask",
          "payments-api-2.14.0-security-scan",
          "--type=merge",
          "-p",
          JSON.stringify(SCAN_DONE),
          ...securityTeamMember(ctx),
        ]),
    },
  ];
  if (ctx.kubeconfigs === undefined) return steps;
  const as = (who: string, args: string[]) => stagegate(ctx.repo, args, identity(ctx, who));
  const change = "payments-api-2.14.0-prod";
  steps.push(
    {
      atSeconds: 16,
      say: "alice (approvers) approves the prod change; the webhook stamps her identity and the time.",
      run: () =>
        as("alice", [
          "approve",
          change,
          "-n",
          "default",
          "--comment",
          "UAT evidence and rollback plan look complete.",
        ]),
    },
    {
      atSeconds: 20,
      say: "grace authored one of the release's commits: separation of duties refuses her approval.",
      run: () => as("grace", ["approve", change, "-n", "default", "--comment", "LGTM"]),
    },
    {
      atSeconds: 24,
      say: "carol gives the second approval: the change is Approved (see the ChangeRequest's RESOLUTION).",
      run: () => as("carol", ["approve", change, "-n", "default", "--comment", "Window confirmed with ops."]),
    },
    {
      atSeconds: 28,
      say: "Every request, decision and refusal is in the hash-chained audit trail, and it verifies.",
      run: () => stagegate(ctx.repo, ["audit", "verify", ctx.auditLog]),
    },
  );
  return steps;
}
