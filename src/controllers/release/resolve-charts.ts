import { z } from "zod";
import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { isGated } from "../../api/v1alpha1/release-binding.js";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import {
  chartResolutionApplies,
  helmReleaseOf,
  isExactChartVersion,
  resolvableChartRange,
  ResolvedChart,
} from "../../api/v1alpha1/resolved-chart.js";
import type { ChartIndex } from "../../charts/chart-index.js";
import { selectChartVersion } from "../../charts/chart-index.js";
import type { ChartIndexQuery } from "../../charts/fetch-chart-index.js";
import { repositoryAllowed, type LoadedAuthorPolicy } from "../../commits/author-policy.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ObjectStore } from "../../runtime/informer/store.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { isPrintableText, printableLine } from "../../runtime/printable-text.js";

/** Reads a chart repository's index; the real one fetches `<url>/index.yaml` (`fetchChartIndex`). */
export type ChartIndexReader = (query: ChartIndexQuery) => Promise<ChartIndex>;

/** What the release's chart version ranges resolved to, or why they could not be, for this pass. */
export interface ChartResolution {
  /** The resolutions in force, one per target that asks for one: kept from the status, or made in this pass. */
  resolved: ResolvedChart[];
  /** Why a target's range could not be resolved, naming the fix, by environment. */
  problems: Record<string, string>;
}

/** What resolving needs: the Environments, the HelmReleases, a read of a HelmRepository, access, the clock. */
export interface ResolveChartsDeps {
  environments: ObjectStore;
  helmReleases: ObjectStore;
  /** The HelmRepository `namespace/name` as the API server has it now; undefined when it does not exist. */
  helmRepository: (namespace: string, name: string) => Promise<KubeObject | undefined>;
  access: LoadedAuthorPolicy | undefined;
  readIndex: ChartIndexReader;
  now: () => Date;
}

/** The parts of a HelmRelease the resolution reads: where its chart comes from. */
const HelmReleaseChart = z.looseObject({
  spec: z.looseObject({
    chart: z
      .looseObject({
        spec: z.looseObject({
          chart: z.string().min(1),
          sourceRef: z.looseObject({ kind: z.string(), name: z.string(), namespace: z.string().optional() }),
        }),
      })
      .optional(),
  }),
});

/** The parts of a HelmRepository the resolution reads. */
const HelmRepositorySpec = z.looseObject({
  spec: z.looseObject({ url: z.string(), type: z.string().optional() }),
});

/** The longest reason a failed resolution reports: it quotes what the repository answered. */
const MAX_PROBLEM = 1_000;

/** A reason that quotes outside text (a URL, an index's parse error) as one printable, bounded line. */
function reportable(message: string): string {
  const line = printableLine(message);
  return line.length <= MAX_PROBLEM ? line : `${line.slice(0, MAX_PROBLEM - 1)}…`;
}

/** A chart version range that cannot be resolved; the message names the field and the fix. */
class ChartRangeProblem extends Error {
  override readonly name = "ChartRangeProblem";
}

/**
 * Resolves each HelmRelease target's chart version range once, where the target's gated Environment asks for it
 * (`gate.mutableRevisions: Resolve`), from the chart repository itself: the HelmRepository the HelmRelease's chart
 * comes from, read only when its URL is among the operator's `allowedRepositories` (`--commit-authors-config`).
 * A resolution already recorded for the same target and range is kept, so the version approved never moves with
 * the repository. Never throws: a failure is a problem for that environment, tried again by the caller.
 */
export async function resolveCharts(
  deps: ResolveChartsDeps,
  spec: ReleaseSpec,
  recorded: readonly ResolvedChart[] | undefined,
): Promise<ChartResolution> {
  const resolution: ChartResolution = { resolved: [], problems: {} };
  for (const target of spec.targets) {
    const env = EnvironmentSpec.safeParse(deps.environments.get(target.environment)?.spec);
    if (!env.success || !isGated(env.data)) continue;
    const range = resolvableChartRange(env.data, target);
    if (range === undefined) continue;
    const kept = recorded?.find((c) => chartResolutionApplies(target, c));
    if (kept !== undefined) {
      resolution.resolved.push(kept);
      continue;
    }
    try {
      resolution.resolved.push(await resolveChart(deps, target, range));
    } catch (err) {
      resolution.problems[target.environment] = reportable((err as Error).message);
    }
  }
  return resolution;
}

/** Resolves one target's range; throws a {@link ChartRangeProblem} naming the fix. */
async function resolveChart(
  deps: ResolveChartsDeps,
  target: ReleaseTarget,
  range: string,
): Promise<ResolvedChart> {
  const helmRelease = helmReleaseOf(target) ?? "";
  const field = `spec.targets[${target.environment}].flux.chartVersion`;
  const pin = `pin an exact chart version in ${field}`;
  const obj = deps.helmReleases.get(helmRelease);
  if (obj === undefined) {
    throw new ChartRangeProblem(
      `HelmRelease ${helmRelease} does not exist, so "${range}" cannot be resolved: create it, or correct ` +
        `spec.targets[${target.environment}]`,
    );
  }
  const chart = HelmReleaseChart.safeParse(obj).data?.spec.chart?.spec;
  if (chart === undefined || chart.sourceRef.kind !== "HelmRepository") {
    throw new ChartRangeProblem(
      `HelmRelease ${helmRelease} does not take its chart from a HelmRepository (spec.chart.spec.sourceRef), ` +
        `the only source whose index the operator resolves a chart version range from: ${pin}`,
    );
  }
  const namespace = chart.sourceRef.namespace ?? target.flux?.namespace ?? "";
  const where = `HelmRepository ${namespace}/${chart.sourceRef.name}`;
  let repository: KubeObject | undefined;
  try {
    repository = await deps.helmRepository(namespace, chart.sourceRef.name);
  } catch (err) {
    throw new ChartRangeProblem(
      `could not read ${where} to resolve "${range}" (${(err as Error).message}): ${pin}`,
    );
  }
  const repo = HelmRepositorySpec.safeParse(repository).data?.spec;
  if (repo === undefined) {
    throw new ChartRangeProblem(
      `${where}, which HelmRelease ${helmRelease} takes its chart from, does not exist or has no spec.url: ` +
        `create it, or ${pin}`,
    );
  }
  if (repo.type === "oci") {
    throw new ChartRangeProblem(
      `${where} is an OCI registry (type: oci), which has no index the operator reads: ${pin}`,
    );
  }
  const url = repo.url;
  const policy = deps.access?.policy;
  if (!/^https?:\/\//.test(url) || policy === undefined || !repositoryAllowed(policy, url)) {
    throw new ChartRangeProblem(
      `the operator may not read chart repository ${url} (${where}, spec.url) to resolve "${range}": add its ` +
        `prefix to allowedRepositories in the operator's --commit-authors-config file (http or https only), ` +
        `or ${pin}`,
    );
  }
  try {
    const index = await deps.readIndex({
      repositoryURL: url,
      allowed: (next) => repositoryAllowed(policy, next),
      credentialsFile: policy.credentialsFile,
    });
    const choice = selectChartVersion(index, chart.chart, range, url);
    if (!isExactChartVersion(choice.version)) {
      throw new ChartRangeProblem(`the index lists "${choice.version}", which is not an exact chart version`);
    }
    const resolved = ResolvedChart.safeParse({
      environment: target.environment,
      helmRelease,
      repositoryURL: url,
      chart: chart.chart,
      range,
      version: choice.version,
      ...(choice.digest === undefined ? {} : { digest: choice.digest }),
      resolvedAt: formatTimestamp(deps.now()),
    });
    // What is recorded must fit the status schema and print as it reads.
    if (!resolved.success || !isPrintableText(url) || !isPrintableText(chart.chart)) {
      throw new ChartRangeProblem(
        "the chart name or the repository URL is too long or not printable to record",
      );
    }
    return resolved.data;
  } catch (err) {
    throw new ChartRangeProblem(
      `could not resolve chart ${chart.chart} "${range}" from ${url} (${(err as Error).message}): fix ${field} ` +
        `or ${where}, or ${pin}`,
    );
  }
}

/** A HelmRepository read through the API server: undefined when it does not exist. */
export async function readHelmRepository(get: () => Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
