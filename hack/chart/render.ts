import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { runHelm } from "../local-cluster/helm.js";
import { CHART_DIR, HELM_ONLY_ANNOTATIONS, HELM_ONLY_LABELS, RELEASE } from "./layout.js";

/** A Kubernetes object as rendered: only what the generators and tests look at is typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Raised when helm refuses to render; the message carries helm's own words (which name the bad value). */
export class ChartRenderError extends Error {
  override readonly name = "ChartRenderError";
}

/** Parses a multi-document YAML stream into objects, dropping empty documents. */
export function parseObjects(stream: string): KubeObject[] {
  return parseAllDocuments(stream)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null && typeof obj === "object" && "kind" in obj);
}

/** Renders the chart with `helm template` (no cluster) and returns the objects, or throws with helm's message. */
export async function renderChart(
  helm: string,
  options: { valuesFiles?: readonly string[]; set?: readonly string[]; namespace?: string } = {},
): Promise<KubeObject[]> {
  const stateDir = await mkdtemp(join(tmpdir(), "stagegate-helm-"));
  try {
    const result = await runHelm({ helm, stateDir }, [
      "template",
      RELEASE.name,
      CHART_DIR,
      `--namespace=${options.namespace ?? RELEASE.namespace}`,
      ...(options.valuesFiles ?? []).flatMap((file) => ["--values", file]),
      ...(options.set ?? []).flatMap((value) => ["--set", value]),
    ]);
    if (result.code !== 0) throw new ChartRenderError(result.stderr.trim());
    return parseObjects(result.stdout);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Drops what only Helm adds (its labels and annotations), in place, on the object and its pod template. */
export function withoutHelmMetadata(obj: KubeObject): KubeObject {
  const strip = (
    meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
  ) => {
    if (meta === undefined) return;
    for (const key of HELM_ONLY_LABELS) delete meta.labels?.[key];
    for (const key of HELM_ONLY_ANNOTATIONS) delete meta.annotations?.[key];
    if (meta.labels !== undefined && Object.keys(meta.labels).length === 0) delete meta.labels;
    if (meta.annotations !== undefined && Object.keys(meta.annotations).length === 0) delete meta.annotations;
  };
  strip(obj.metadata);
  const template = (obj.spec as { template?: { metadata?: Parameters<typeof strip>[0] } } | undefined)
    ?.template;
  strip(template?.metadata);
  return obj;
}

/** `Kind/namespace/name`, the key objects are compared by. */
export function objectKey(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}
