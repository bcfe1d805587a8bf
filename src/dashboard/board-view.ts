import { z } from "zod";
import { dimensionsOf } from "../api/v1alpha1/dimensions.js";
import { ObjectMeta } from "../api/v1alpha1/meta.js";
import { ReleaseEnvironmentStatus } from "../api/v1alpha1/release.js";

/**
 * A Release as the board reads it: loosely, so one malformed object shows as what it has rather than hiding the
 * rest. Only the operator writes status; labels are shown as dimensions, never trusted for anything.
 */
export const BoardRelease = z.looseObject({
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      version: z.string().optional(),
      pipeline: z.array(z.string()).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      environments: z.array(ReleaseEnvironmentStatus).optional().catch(undefined),
    })
    .optional(),
});
export type BoardRelease = z.infer<typeof BoardRelease>;

/** How a state reads: a word and a symbol, so no state is told by colour alone. */
const STATE_LOOK: Record<string, { symbol: string; tone: string }> = {
  Pending: { symbol: "○", tone: "idle" },
  Gated: { symbol: "‖", tone: "wait" },
  Deploying: { symbol: "↻", tone: "busy" },
  Deployed: { symbol: "●", tone: "busy" },
  Verified: { symbol: "✔", tone: "good" },
  Failed: { symbol: "✖", tone: "bad" },
  NotStarted: { symbol: "·", tone: "idle" },
};

/** One cell of the board: a release in one environment. */
export interface EnvironmentCell {
  environment: string;
  state: string;
  label: string;
  symbol: string;
  tone: string;
  reasons: string[];
  revision?: string;
}

/**
 * Which cluster a row comes from, on a dashboard of more than one cluster (ADR 0057): its name, shown on the row,
 * and whether it is the home cluster (whose ids and links carry no cluster, as on a one-cluster dashboard).
 */
export interface RowCluster {
  name: string;
  home: boolean;
}

/** One row of the board: a release and its cells in pipeline order. */
export interface ReleaseRow {
  /** The element id the live updates replace. */
  rowId: string;
  /** The cluster's name, shown when the dashboard shows more than one cluster. */
  cluster?: string;
  namespace: string;
  name: string;
  version: string;
  href: string;
  dimensions: string;
  cells: EnvironmentCell[];
}

/** The DOM id of a release's row (stable for a cluster, namespace and name). */
export function rowId(namespace: string, name: string, cluster?: RowCluster): string {
  return cluster === undefined || cluster.home
    ? `release:${namespace}/${name}`
    : `release@${cluster.name}:${namespace}/${name}`;
}

/** A release's page (`?cluster=` naming any cluster but the home one); `suffix` goes after the path (`/retro`). */
export function releaseHref(namespace: string, name: string, cluster?: RowCluster, suffix = ""): string {
  const path = `/releases/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${suffix}`;
  return cluster === undefined || cluster.home ? path : `${path}?cluster=${encodeURIComponent(cluster.name)}`;
}

function cell(environment: string, status: ReleaseEnvironmentStatus | undefined): EnvironmentCell {
  const state = status?.state ?? "NotStarted";
  const look = STATE_LOOK[state] ?? { symbol: "?", tone: "idle" };
  return {
    environment,
    state,
    label: state === "NotStarted" ? "Not started" : state,
    symbol: look.symbol,
    tone: look.tone,
    reasons: status?.reasons ?? [],
    ...(status?.revision === undefined ? {} : { revision: status.revision }),
  };
}

/** The dimension labels of a release in one line ("team=payments, region=eu"), empty when it has none. */
function dimensionLine(labels: Record<string, string> | undefined): string {
  const d = dimensionsOf(labels);
  const parts = Object.entries(d)
    .filter(([key]) => key !== "tags")
    .map(([key, value]) => `${key}=${String(value)}`);
  if (d.tags !== undefined) parts.push(`tags: ${d.tags.join(", ")}`);
  return parts.join(", ");
}

/**
 * The board row of a release: one cell per environment of its pipeline (environments in status but no longer in
 * the pipeline follow), each with its state, a symbol and the gate's reasons from status.environments.
 */
export function releaseRow(release: BoardRelease, cluster?: RowCluster): ReleaseRow {
  const namespace = release.metadata.namespace ?? "";
  const name = release.metadata.name;
  const statuses = release.status?.environments ?? [];
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const pipeline = release.spec?.pipeline ?? [];
  const order = [...pipeline, ...statuses.map((s) => s.name).filter((n) => !pipeline.includes(n))];
  return {
    rowId: rowId(namespace, name, cluster),
    ...(cluster === undefined ? {} : { cluster: cluster.name }),
    namespace,
    name,
    version: release.spec?.version ?? "",
    href: releaseHref(namespace, name, cluster),
    dimensions: dimensionLine(release.metadata.labels),
    cells: order.map((environment) => cell(environment, byName.get(environment))),
  };
}

/** The board's rows, ordered by namespace then name (then cluster, on a dashboard of more than one). */
export function boardRows(releases: readonly BoardRelease[], cluster?: RowCluster): ReleaseRow[] {
  return releases
    .map((release) => releaseRow(release, cluster))
    .sort(
      (a, b) =>
        a.namespace.localeCompare(b.namespace) ||
        a.name.localeCompare(b.name) ||
        (a.cluster ?? "").localeCompare(b.cluster ?? ""),
    );
}
