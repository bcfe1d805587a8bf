// The audit record of the dashboard's browser tests: cart-1's story written to a real hash-chained trail file by
// the operator's own AuditTrail, served by the operator's own feed handler (TokenReview, then list auditrecords),
// and a way to alter a line of it by hand afterwards, as an attacker with write access to the file would.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileFeedSource } from "../../src/audit/feed/file-source.js";
import type { StoredAuditEntry } from "../../src/audit/entry.js";
import { transitionId, type AuditAction } from "../../src/audit/recorder.js";
import { AuditTrail } from "../../src/audit/trail.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { serveFeed, type ServedFeed } from "../support/audit-feed.js";
import { changeApproved, changeRequested, environmentState, promoted } from "../unit/insights/entries.js";

/** The trail being served and where its feed answers. */
export interface DashboardFeed extends ServedFeed {
  file: string;
  caFile: string;
  /** Appends entries with the real trail, as the operator would (each at its own time). */
  append(entries: readonly StoredAuditEntry[]): Promise<void>;
  /** Rewrites the trail's line `seq` with `edit` applied to its entry (its hash is left as it was). */
  tamper(seq: number, edit: (entry: Record<string, unknown>) => void): Promise<void>;
}

/**
 * Release entries as the Release controller records them: bound to the release's uid, each promotion and outcome
 * under its transition (environment, promotion count), which the insights' measures pair them by.
 */
export function asRecorded(entries: readonly StoredAuditEntry[], uid: string): StoredAuditEntry[] {
  return entries.map((entry) => {
    if (entry.object.kind !== "Release") return entry;
    const environment = typeof entry.details.environment === "string" ? entry.details.environment : "";
    const action = entry.action as AuditAction;
    const transition =
      action === "ReleasePromoted"
        ? transitionId("Release", uid, action, environment, 1)
        : transitionId("Release", uid, action, environment, 1, "recorded");
    return { ...entry, object: { ...entry.object, uid }, transition };
  });
}

/** cart-1's story, as the controllers record it. */
export function cartStory(namespace: string): StoredAuditEntry[] {
  const cart = { namespace, name: "cart-1" };
  const rev = "c".repeat(40);
  return asRecorded(
    [
      promoted(cart, "2026-01-04T10:00:00Z", "dev", rev),
      environmentState(cart, "2026-01-04T10:04:00Z", "EnvironmentDeployed", "dev", rev),
      environmentState(cart, "2026-01-04T10:20:00Z", "EnvironmentVerified", "dev", rev),
      changeRequested(cart, "2026-01-05T08:00:00Z", "cart-1-prod", "prod"),
      changeApproved(cart, "2026-01-05T09:10:00Z", "cart-1-prod", "approver-of-record"),
      promoted(cart, "2026-01-05T09:30:00Z", "prod", rev, { changeRequest: "cart-1-prod" }),
      environmentState(cart, "2026-01-05T09:36:00Z", "EnvironmentDeployed", "prod", rev),
    ],
    "cart-1-uid",
  );
}

/** Appends `entries` to the trail file with the operator's AuditTrail (which verifies the file first). */
async function appendEntries(file: string, entries: readonly StoredAuditEntry[]): Promise<void> {
  let now = new Date(0);
  const trail = await AuditTrail.open({ path: file, clock: () => now, mirror: () => Promise.resolve() });
  try {
    for (const entry of entries) {
      now = new Date(entry.time);
      await trail.record({
        actor: entry.actor,
        action: entry.action as AuditAction,
        object: entry.object,
        details: entry.details,
        ...(entry.transition === undefined ? {} : { transition: entry.transition }),
      });
    }
  } finally {
    await trail.close();
  }
}

/**
 * Writes cart-1's story to `dir/audit-0.jsonl` with the real trail and serves it with the real feed handler, whose
 * reviews go to the test cluster as the operator, or to `reviewer`'s cluster (another cluster's operator).
 */
export async function serveCartFeed(
  dir: string,
  namespace: string,
  reviewer?: KubeClient,
): Promise<DashboardFeed> {
  const file = path.join(dir, "audit-0.jsonl");
  await appendEntries(file, cartStory(namespace));
  const served = await serveFeed(fileFeedSource(file), reviewer);
  const caFile = path.join(dir, "audit-feed-ca.crt");
  await writeFile(caFile, served.caPem);
  return {
    ...served,
    file,
    caFile,
    append: (entries) => appendEntries(file, entries),
    async tamper(seq, edit) {
      const lines = (await readFile(file, "utf8")).split("\n");
      const index = lines.findIndex((line) => line.startsWith(`{"seq":${seq},`));
      if (index < 0) throw new Error(`no line for entry ${seq} in ${file}`);
      const entry = JSON.parse(lines[index] ?? "") as Record<string, unknown>;
      edit(entry);
      lines[index] = JSON.stringify(entry);
      await writeFile(file, lines.join("\n"));
    },
  };
}
