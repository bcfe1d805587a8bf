import { z } from "zod";
import { dimensionsOf, type Dimensions } from "../../api/v1alpha1/dimensions.js";
import { readArchiveDocument } from "../../audit/archive/document.js";
import { verifyArchivedDocument } from "../../audit/archive/verify-document.js";
import type { ArchiveStore } from "../../audit/archive/store.js";
import type { AuditVerification } from "../../audit/verification.js";
import { parseDuration } from "../../runtime/duration.js";

/** One closed DeploymentTask as its archive document tells it. */
export interface ArchivedTask {
  namespace: string;
  name: string;
  type: string;
  /** `Kind:name` of each owner; `(none)` when it had none. */
  owners: string[];
  dimensions: Dimensions;
  createdAt: string;
  closedAt: string;
  /** Succeeded, Failed or Cancelled (the phase it closed in). */
  outcome: string;
  /** When it was due (spec.dueAt, or creation plus spec.sla); undefined when it had no due date. */
  dueAt: string | undefined;
  /** Whether it closed after it was due. */
  overdue: boolean;
}

const Owner = z.looseObject({ kind: z.string(), name: z.string() });
const TaskDocument = z.looseObject({
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
  status: z.looseObject({ phase: z.string().optional() }).default({}),
});

/** What reading the archive's tasks found: the tasks the chain vouches for, and how many were left out. */
export interface ArchivedTasks {
  tasks: ArchivedTask[];
  leftOut: number;
}

function dueOf(spec: z.infer<typeof TaskDocument>["spec"], createdAt: string): string | undefined {
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
    const dueAt = dueOf(spec, metadata.creationTimestamp);
    found.tasks.push({
      namespace: metadata.namespace,
      name: metadata.name,
      type: spec.type,
      owners: spec.owners.length === 0 ? ["(none)"] : spec.owners.map((o) => `${o.kind}:${o.name}`),
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
