// What the people of the governed-promotion story do, each with their own credentials through the real API
// server: task owners tick off checklists with kubectl, approvers decide with kubectl or the `stagegate` CLI. RBAC,
// the CRDs' validation and the operator's admission webhooks decide whether each may.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import { DeploymentTaskSpec } from "../../src/api/v1alpha1/deployment-task.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { kubeconfigPath, kubectl } from "../support/cluster.js";
import { runStagegate, type CliResult } from "../support/run-stagegate.js";

/** A HOME with no ~/.kube/config, so the CLI never falls back to the developer's own cluster. */
const EMPTY_HOME = mkdtempSync(path.join(tmpdir(), "stagegate-e2e-home-"));

/** What a kubectl or CLI call said, for assertion messages. */
export function said(result: { code: number | null; stdout: string; stderr: string }): string {
  return `exit ${String(result.code)}: ${result.stdout}${result.stderr}`;
}

/**
 * `who` marks every item of the task's checklist Done with evidence (the report's https:// URL, and the artifact's
 * digest when the task is bound to one) unless `withEvidence` is false: a merge patch of the whole checklist with
 * `kubectl`, as a person would. Who and when are the server's to stamp (completedBy, completedAt), so the patch
 * leaves them out.
 */
export async function completeChecklist(
  admin: KubeClient,
  who: IdentityName,
  namespace: string,
  task: string,
  { withEvidence = true }: { withEvidence?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const spec = DeploymentTaskSpec.parse((await admin.get(resources.deploymentTask, task, namespace)).spec);
  const digest = spec.binding?.artifact.digests[0] ?? spec.binding?.artifact.commit;
  const checklist = spec.checklist.map((item) => ({
    ...item,
    state: "Done",
    ...(withEvidence
      ? {
          evidence: {
            uri: `https://reports.example.com/${task}/${item.name}`,
            ...(digest === undefined ? {} : { digest }),
            result: "Passed",
          },
        }
      : {}),
  }));
  return kubectl(who, [
    "patch",
    "deploymenttask",
    task,
    "-n",
    namespace,
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { checklist } }),
  ]);
}

/** `who` adds their Approve decision to the Approval with `kubectl patch`, as docs/change-control.md shows. */
export function approveWithKubectl(
  who: IdentityName,
  user: string,
  namespace: string,
  approval: string,
  comment: string,
): ReturnType<typeof kubectl> {
  return kubectl(who, [
    "patch",
    "approval",
    approval,
    "-n",
    namespace,
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { decisions: { [user]: { decision: "Approve", comment } } } }),
  ]);
}

/** Runs `stagegate ARGS` as its own process with `who`'s kubeconfig, exactly as that person would. */
export function stagegateAs(who: IdentityName, args: readonly string[]): Promise<CliResult> {
  return runStagegate([...args, "--kubeconfig", kubeconfigPath(who)], {
    env: { PATH: process.env.PATH, HOME: EMPTY_HOME },
  });
}

/** `stagegate approve CHANGE -n NS --comment ...` as `who`. */
export function approveWithCli(
  who: IdentityName,
  namespace: string,
  change: string,
  comment: string,
): Promise<CliResult> {
  return stagegateAs(who, ["approve", change, "-n", namespace, "--comment", comment]);
}
