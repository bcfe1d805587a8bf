import semver from "semver";
import { z } from "zod";
import type { EnvironmentSpec } from "./environment.js";
import { ObjectName, Timestamp } from "./meta.js";
import type { ReleaseTarget } from "./release-target.js";

/**
 * The exact chart version a Flux HelmRelease target's version range resolved to, read by the operator from the
 * chart repository's index. Written by the operator only (status); from then on the target ships that version
 * and no other: a gate approves the version, never the range.
 */
export const ResolvedChart = z
  .object({
    environment: ObjectName.describe("The environment of the target whose chartVersion was resolved."),
    helmRelease: z.string().max(317).describe("The HelmRelease the target names, as namespace/name."),
    repositoryURL: z
      .string()
      .max(2048)
      .describe("The chart repository read (spec.url of the HelmRelease's HelmRepository at the time)."),
    chart: z.string().max(253).describe("The chart name (the HelmRelease's spec.chart.spec.chart)."),
    range: z.string().max(128).describe("The range as spec.targets[].flux.chartVersion wrote it."),
    version: z.string().max(128).describe("The highest version of the chart in the index within the range."),
    digest: z
      .string()
      .max(256)
      .optional()
      .describe("The digest the repository's index gives for that version's chart archive."),
    resolvedAt: Timestamp.describe("When the operator read the chart repository's index."),
  })
  .describe(
    "The exact version a chart version range of a HelmRelease target was resolved to (only where the " +
      "target's Environment sets gate.mutableRevisions: Resolve). The target ships this version; a newer chart " +
      "in the repository changes nothing. Edit the target's chartVersion to resolve again.",
  );
export type ResolvedChart = z.infer<typeof ResolvedChart>;

const EXACT_CHART_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Whether `version` names exactly one chart version (`1.4.2`, `v1.4.2-rc.1`), not a range. */
export function isExactChartVersion(version: string): boolean {
  return EXACT_CHART_VERSION.test(version);
}

/** Whether `version` is a semver range the operator can resolve (`1.4.x`, `^1.4`, `>=1.4.0 <2.0.0`), not exact. */
export function isChartVersionRange(version: string): boolean {
  return !isExactChartVersion(version) && semver.validRange(version) !== null;
}

/** The HelmRelease a target names, as `namespace/name`; undefined for any other target. */
export function helmReleaseOf(target: ReleaseTarget): string | undefined {
  const flux = target.flux;
  return flux?.kind === "HelmRelease" ? `${flux.namespace}/${flux.name}` : undefined;
}

/**
 * The chart version range the operator resolves for `target` in its environment, or undefined: with
 * `gate.mutableRevisions: Resolve`, a HelmRelease target's chartVersion when it is a semver range.
 */
export function resolvableChartRange(env: EnvironmentSpec, target: ReleaseTarget): string | undefined {
  if (env.gate.mutableRevisions !== "Resolve" || target.flux?.kind !== "HelmRelease") return undefined;
  const range = target.flux.chartVersion;
  return range !== undefined && isChartVersionRange(range) ? range : undefined;
}

/** Whether a recorded resolution still applies to `target`: same environment, same HelmRelease, same range. */
export function chartResolutionApplies(target: ReleaseTarget, resolved: ResolvedChart): boolean {
  return (
    resolved.environment === target.environment &&
    resolved.helmRelease === helmReleaseOf(target) &&
    resolved.range === target.flux?.chartVersion
  );
}

/**
 * `target` with its chart version range replaced by the version it resolved to, when a resolution in `charts`
 * applies to it; `target` itself otherwise. Pure.
 */
export function pinnedChartTarget(target: ReleaseTarget, charts: readonly ResolvedChart[]): ReleaseTarget {
  const flux = target.flux;
  if (flux === undefined) return target;
  const resolved = charts.find((c) => chartResolutionApplies(target, c));
  return resolved === undefined ? target : { ...target, flux: { ...flux, chartVersion: resolved.version } };
}
