import { ReleaseSpec, ReleaseStatus } from "./release.js";
import { pinnedSpec } from "./resolved-source.js";

/**
 * A cached Release's spec as the operator delivers it: parsed, with the branch or tag the operator resolved
 * (status.source) pinned to its commit and each chart version range it resolved (status.charts) to its version. Undefined when the spec does not parse. Every reader that compares
 * revisions (claims, locks, change control, receivers) reads a Release through this, never its raw spec.
 */
export function pinnedReleaseSpec(obj: { [key: string]: unknown }): ReleaseSpec | undefined {
  const spec = ReleaseSpec.safeParse(obj.spec);
  if (!spec.success) return undefined;
  const status = ReleaseStatus.safeParse(obj.status ?? {});
  if (!status.success) return spec.data;
  return pinnedSpec(spec.data, status.data.source, status.data.charts);
}
