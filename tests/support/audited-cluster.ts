// A control plane of a test file's own whose kube-apiserver audit log records every request of chosen identities:
// for tests that count what the operator asked of the API server (writes per promotion, per rollback task).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PROJECT_MANIFEST_DIRS,
  startLocalCluster,
  type LocalCluster,
} from "../../hack/local-cluster/index.js";
import { auditFlags, writeAuditPolicy } from "./apiserver-audit.js";

/** The running control plane, where its audit log is, and the folder it lives in. */
export interface AuditedCluster {
  readonly dir: string;
  readonly cluster: LocalCluster;
  readonly auditLog: string;
  /** Stops the control plane and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a local control plane with the project's manifests installed and an audit log of every request of `users`
 * (Metadata level), and points every client of this process at it (`STAGEGATE_TEST_CLUSTER`).
 */
export async function startAuditedCluster(prefix: string, users: readonly string[]): Promise<AuditedCluster> {
  const dir = await mkdtemp(join(tmpdir(), `stagegate-${prefix}-`));
  const policy = join(dir, "audit-policy.yaml");
  const auditLog = join(dir, "apiserver-audit.log");
  await writeAuditPolicy(policy, users);
  const cluster = await startLocalCluster({
    dir: join(dir, "cluster"),
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
    extraApiserverFlags: auditFlags(policy, auditLog),
  });
  process.env.STAGEGATE_TEST_CLUSTER = join(cluster.dir, "cluster.json");
  return {
    dir,
    cluster,
    auditLog,
    async stop() {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
