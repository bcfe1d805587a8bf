import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { IdentityName } from "../../../hack/local-cluster/identities.js";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import {
  ApprovalObject,
  approvals,
  changeRequests,
  parseServerObject,
} from "../../../src/cli/change-control.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { runStagegate, type CliResult } from "../../support/run-stagegate.js";

export type { CliResult };

/** A HOME with no ~/.kube/config, so a test never falls back to the developer's own cluster. */
const EMPTY_HOME = mkdtempSync(path.join(tmpdir(), "stagegate-cli-home-"));

/**
 * Runs `stagegate ARGS --kubeconfig <identity's kubeconfig>` as its own process, exactly as a user would, and
 * returns its exit code and output. Killed after `timeoutMs`, so a hung CLI fails the test instead of holding it.
 */
export async function stagegateAs(
  identity: IdentityName | { kubeconfig: string },
  args: readonly string[],
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<CliResult> {
  const kubeconfig = typeof identity === "string" ? kubeconfigPath(identity) : identity.kubeconfig;
  return runStagegate([...args, "--kubeconfig", kubeconfig], {
    env: { PATH: process.env.PATH, HOME: EMPTY_HOME },
    timeoutMs,
  });
}

/** What an Approval opened by a test looks like, beyond the defaults (eligible group approvers, 2 required). */
export interface OpenChangeOptions {
  /** Labels of the ChangeRequest (dimensions, for example). */
  labels?: Record<string, string>;
  approvalName?: string | null;
  eligible?: { users?: string[]; groups?: string[] };
  excluded?: { user: string; reason: string }[];
}

/**
 * Creates a ChangeRequest and, unless `approvalName` is null, its Approval as admin: the work of the operator
 * (not running in these tests), which opens an Approval with the eligible groups and required count of the gate.
 */
export async function openChange(
  admin: KubeClient,
  namespace: string,
  name: string,
  {
    approvalName = name,
    eligible = { groups: ["approvers"] },
    excluded = [],
    labels = {},
  }: OpenChangeOptions = {},
): Promise<void> {
  await admin.create(
    changeRequests,
    {
      apiVersion: API_VERSION,
      kind: "ChangeRequest",
      metadata: { name, labels },
      spec: {
        releaseRef: { name: "payments-api-2.14.0" },
        environment: "prod",
        type: "Normal",
        justification: "Fixes card authorisations failing on gateway timeouts (PAY-1234).",
        plannedWindow: { start: "2026-12-08T08:00:00Z", end: "2026-12-08T10:00:00Z" },
      },
    },
    namespace,
  );
  if (approvalName === null) return;
  await admin.create(
    approvals,
    {
      apiVersion: API_VERSION,
      kind: "Approval",
      metadata: { name: approvalName },
      spec: { changeRequestRef: { name }, required: 2, eligible, excluded },
    },
    namespace,
  );
}

/** Reads an Approval as admin, to assert on what the cluster holds. */
export async function readApproval(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<ApprovalObject> {
  return parseServerObject(ApprovalObject, await admin.get(approvals, name, namespace), "Approval");
}
