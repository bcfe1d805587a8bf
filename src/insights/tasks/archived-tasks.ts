import { z } from "zod";
import { dimensionsOf, type Dimensions } from "../../api/v1alpha1/dimensions.js";
import { readArchiveDocument } from "../../audit/archive/document.js";
import { verifyArchivedDocument } from "../../audit/archive/verify-document.js";
import type { ArchiveStore } from "../../audit/archive/store.js";
import type { AuditVerification } from "../../audit/verification.js";
import { parseDuration } from "../../runtime/duration.js";

/** What the task rates know of any DeploymentTask, open or closed. */
export interface TaskRecord {
  namespace: string;
  name: string;
  type: string;
  /** `Kind:name` of each owner; `(none)` when it has none. */
  owners: string[];
  dimensions: Dimensions;
  /** The API server's creationTimestamp. */
  createdAt: string;
  /** When it is (or was) due; undefined when it has no due date. */
  dueAt: string | undefined;
}

/** One closed DeploymentTask as its archive document tells it (its due time: spec.dueAt, or creation plus spec.sla). */
export interface ArchivedTask extends TaskRecord {
  closedAt: string;
  /** Succeeded, Failed or Cancelled (the phase it closed in). */
  outcome: string;
  /** Whether it closed after it was due. */
  overdue: boolean;
}

const Owner = z.looseObject({ kind: z.string(), name: z.string() });
/** The fields of a DeploymentTask the rates read, from an archive document or the cluster. */
export const TaskDocument = z.looseObject({
  metadata: z.looseObject({
    namespace: z.string().default(""),
    name: z.string(),
    creationTimestamp: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    type: z.string(),
    owners: z.array(Owner).default([]),
    dueAt: z.string().optional(),
    sla: z.string().optional(),
  }),
  status: z.looseObject({ phase: z.string().optional(), dueAt: z.string().optional() }).default({}),
});
export type TaskDocument = z.infer<typeof TaskDocument>;

/** `Kind:name` of each owner of a task; `(none)` when it has none. */
export function ownersOf(task: TaskDocument): string[] {
  const owners = task.spec.owners;
  return owners.length === 0 ? ["(none)"] : owners.map((o) => `${o.kind}:${o.name}`);
}

/** What reading the archive's tasks found: the tasks the chain vouches for, and how many were left out. */
export interface ArchivedTasks {
  tasks: ArchivedTask[];
  leftOut: number;
}

/**
 * When a task is due: the operator's `status.dueAt` (which it derives from the spec), else spec.dueAt, else creation
 * plus spec.sla; undefined when it has no due date.
 */
export function dueOf(task: TaskDocument): string | undefined {
  const { spec, status, metadata } = task;
  const createdAt = metadata.creationTimestamp;
  if (status.dueAt !== undefined) return status.dueAt;
  if (spec.dueAt !== undefined) return spec.dueAt;
  if (spec.sla === undefined) return undefined;
  try {
    return new Date(Date.parse(createdAt) + parseDuration(spec.sla)).toISOString();
  } catch {
    return undefined;
  }
}

/**
 * The closed tasks of an archive, each checked as `stagegate audit archive list` checks it (its text hashes to its
 * name and a RecordArchived entry records that hash). When the chain itself is broken, a document recorded at or
 * after the break is left out too: only what an intact chain vouches for is counted.
 */
export async function readArchivedTasks(
  store: ArchiveStore,
  chain: AuditVerification,
): Promise<ArchivedTasks> {
  const found: ArchivedTasks = { tasks: [], leftOut: 0 };
  const breakSeq = chain.ok ? undefined : (chain.firstBad.seq ?? 0);
  for (const row of await store.list({ class: "task" })) {
    const verification = await verifyArchivedDocument(store, row);
    const vouched =
      verification.ok &&
      (breakSeq === undefined ||
        (verification.recordedAt !== undefined && verification.recordedAt < breakSeq));
    const read = readArchiveDocument(row.hash, row.text);
    const parsed = read.ok ? TaskDocument.safeParse(read.stored.document.object) : undefined;
    if (!vouched || !read.ok || parsed === undefined || !parsed.success) {
      found.leftOut += 1;
      continue;
    }
    const { metadata, spec, status } = parsed.data;
    const closedAt = read.stored.document.closedAt;
    const dueAt = dueOf(parsed.data);
    found.tasks.push({
      namespace: metadata.namespace,
      name: metadata.name,
      type: spec.type,
      owners: ownersOf(parsed.data),
      dimensions: dimensionsOf(metadata.labels),
      createdAt: metadata.creationTimestamp,
      closedAt,
      outcome: status.phase ?? "Closed",
      dueAt,
      overdue: dueAt !== undefined && Date.parse(closedAt) > Date.parse(dueAt),
    });
  }
  return found;
}
