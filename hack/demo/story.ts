// The scripted story of `make demo`: what happens when, told as it happens.
import { spawn } from "node:child_process";
import path from "node:path";

/** One step of the story. */
export interface StoryStep {
  atSeconds: number;
  say: string;
  run: () => Promise<string>;
}

/** What the story needs from the demo: kubectl as the admin, and each local identity's kubeconfig. */
export interface StoryContext {
  repo: string;
  kubectl: (args: string[]) => Promise<string>;
  /** Kubeconfigs of the local identities, when the demo runs its own cluster (change control needs them). */
  kubeconfigs?: Record<string, string>;
  auditLog: string;
}

/** Runs the stagegate CLI as a person would, returning what it printed (and its exit code). */
function stagegate(repo: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(repo, "src/cmd/stagegate.ts"), ...args],
      {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) =>
      resolve(
        `$ stagegate ${args.filter((a) => !a.startsWith("--kubeconfig")).join(" ")}\n${out.trimEnd()}\n(exit ${code})`,
      ),
    );
  });
}

const SCAN_DONE = {
  spec: {
    checklist: [
      {
        name: "image-scan",
        state: "Done",
        evidence: { uri: "https://scans.example.com/r/8812", digest: "sha256:4f1c", result: "Passed" },
      },
      { name: "dependency-review", state: "Done" },
      { name: "pentest", required: false, state: "Skipped" },
    ],
  },
};

/** The steps: tasks unblock, then (on a local cluster) the prod change is decided by real identities. */
export function demoStory(ctx: StoryContext): StoryStep[] {
  const steps: StoryStep[] = [
    {
      atSeconds: 12,
      say: "The security team attaches the scan report: the scan succeeds and user acceptance unblocks.",
      run: () =>
        ctx.kubectl([
          "patch",
          "deploymenttask",
          "payments-api-2.14.0-security-scan",
          "--type=merge",
          "-p",
          JSON.stringify(SCAN_DONE),
        ]),
    },
  ];
  const configs = ctx.kubeconfigs;
  if (configs === undefined) return steps;
  const as = (who: string, args: string[]) =>
    stagegate(ctx.repo, [...args, `--kubeconfig=${configs[who] ?? ""}`]);
  const change = "payments-api-2.14.0-prod";
  steps.push(
    {
      atSeconds: 20,
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
      atSeconds: 26,
      say: "grace authored one of the release's commits: separation of duties refuses her approval.",
      run: () => as("grace", ["approve", change, "-n", "default", "--comment", "LGTM"]),
    },
    {
      atSeconds: 32,
      say: "carol gives the second approval: the change is Approved (see the ChangeRequest's RESOLUTION).",
      run: () => as("carol", ["approve", change, "-n", "default", "--comment", "Window confirmed with ops."]),
    },
    {
      atSeconds: 40,
      say: "Every request, decision and refusal is in the hash-chained audit trail, and it verifies.",
      run: () => stagegate(ctx.repo, ["audit", "verify", ctx.auditLog]),
    },
  );
  return steps;
}
