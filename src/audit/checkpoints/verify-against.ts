import type { KeyObject } from "node:crypto";
import type { KubeClient } from "../../runtime/kube/client.js";
import { builtin } from "../../runtime/kube/resource.js";
import { checkAgainstCheckpoints, type CheckpointVerification } from "./check.js";
import { CHECKPOINT_LABEL, readCheckpointObject, type ReadCheckpoint } from "./checkpoint-object.js";
import type pg from "pg";
import { readTableFacts } from "../postgres/table-facts.js";
import { DATABASE_CHECKPOINT_WRITER } from "./checkpoint.js";
import { readTrailFacts } from "./trail-facts.js";

/** Lists every checkpoint ConfigMap of a namespace, page by page. */
export async function listCheckpoints(client: KubeClient, namespace: string): Promise<ReadCheckpoint[]> {
  const found: ReadCheckpoint[] = [];
  let next: string | undefined;
  do {
    const page = await client.list(builtin.configMap, {
      namespace,
      labelSelector: `${CHECKPOINT_LABEL}=true`,
      limit: 500,
      ...(next === undefined ? {} : { continue: next }),
    });
    found.push(...page.items.map(readCheckpointObject));
    next = page.continue;
  } while (next !== undefined);
  return found;
}

/** Checks the trail file at `path` against the checkpoints published in `namespace` (see checkAgainstCheckpoints). */
export async function verifyFileAgainstCheckpoints(
  path: string,
  checkpoints: readonly ReadCheckpoint[],
  keys: ReadonlyMap<string, KeyObject>,
  writer?: string,
): Promise<CheckpointVerification> {
  const wanted = new Set(checkpoints.flatMap((c) => (c.ok ? [c.signed.body.seq] : [])));
  const facts = await readTrailFacts(path, wanted);
  return checkAgainstCheckpoints(facts, checkpoints, keys, writer);
}

/** Checks the PostgreSQL store's table against the checkpoints of its one series (writer `postgresql`). */
export async function verifyTableAgainstCheckpoints(
  client: pg.ClientBase,
  checkpoints: readonly ReadCheckpoint[],
  keys: ReadonlyMap<string, KeyObject>,
): Promise<CheckpointVerification> {
  const wanted = new Set(checkpoints.flatMap((c) => (c.ok ? [c.signed.body.seq] : [])));
  const facts = await readTableFacts(client, wanted);
  return checkAgainstCheckpoints(facts, checkpoints, keys, DATABASE_CHECKPOINT_WRITER);
}

/** The sentences `stagegate audit verify` prints about the checkpoints. */
export function formatCheckpointVerification(result: CheckpointVerification, path: string): string {
  const lines: string[] = [];
  if (result.ok) {
    lines.push(
      result.agreeing === 0
        ? `no checkpoint vouches for ${path} yet: entries after the last checkpoint are covered by the chain alone.`
        : `${result.agreeing} signed ${result.agreeing === 1 ? "checkpoint agrees" : "checkpoints agree"} with ${path}, up to entry ${result.coveredSeq}.`,
    );
  }
  for (const finding of result.findings) {
    const which = finding.checkpoint === "" ? "" : `checkpoint ${finding.checkpoint}: `;
    lines.push(`${finding.problem}: ${which}${finding.message}.`);
  }
  return lines.join("\n");
}
