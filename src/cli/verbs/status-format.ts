import { z } from "zod";
import { ObjectMeta } from "../../api/v1alpha1/meta.js";
import {
  ReleaseSpec,
  ReleaseStatus,
  type ReleaseEnvironmentState,
  type ReleaseEnvironmentStatus,
} from "../../api/v1alpha1/release.js";

/** A Release as the server returns it, parsed with the API's own schemas. */
export const ReleaseObject = z.looseObject({
  metadata: ObjectMeta,
  spec: ReleaseSpec,
  status: ReleaseStatus.optional(),
});
export type ReleaseObject = z.infer<typeof ReleaseObject>;

/** The timestamps of one environment, in the order a release passes them, with the label the text shows. */
const TIMESTAMPS = [
  ["requestedAt", "requested"],
  ["gateClearedAt", "gate cleared"],
  ["deployStartedAt", "deploy started"],
  ["deployedAt", "deployed"],
  ["verifiedAt", "verified"],
] as const satisfies readonly (readonly [keyof ReleaseEnvironmentStatus, string])[];

type TimestampField = (typeof TIMESTAMPS)[number][0];

/** One environment of the pipeline as `stagegate status` reports it; `state` is null until the operator wrote one. */
export interface EnvironmentReport {
  name: string;
  current: boolean;
  /** False for an environment the status lists but `spec.pipeline` no longer does. */
  inPipeline: boolean;
  state: ReleaseEnvironmentState | null;
  revision: string | null;
  reasons: string[];
  timestamps: Partial<Record<TimestampField, string>>;
}

/** The `-o json` document of `stagegate status`: the Release, its Ready condition and every environment. */
export interface ReleaseStatusReport {
  namespace: string;
  name: string;
  version: string;
  currentEnvironment: string | null;
  currentState: ReleaseEnvironmentState | null;
  ready: { status: string; reason: string; message: string } | null;
  /** The workflow template the release follows, as the server stamped it at creation; null for the default workflow. */
  workflow: { template: string; generation: number; digest: string } | null;
  environments: EnvironmentReport[];
}

function reportEnvironment(
  name: string,
  found: ReleaseEnvironmentStatus | undefined,
  current: boolean,
  inPipeline: boolean,
): EnvironmentReport {
  const timestamps: Partial<Record<TimestampField, string>> = {};
  for (const [field] of TIMESTAMPS) {
    const value = found?.[field];
    if (value !== undefined) timestamps[field] = value;
  }
  return {
    name,
    current,
    inPipeline,
    state: found?.state ?? null,
    revision: found?.revision ?? null,
    reasons: [...(found?.reasons ?? [])],
    timestamps,
  };
}

/**
 * Summarises a Release for `stagegate status`: one entry per environment in `spec.pipeline` order (then any the
 * status still lists outside the pipeline, so nothing the operator wrote is hidden), and the Ready condition.
 */
export function reportReleaseStatus(release: ReleaseObject): ReleaseStatusReport {
  const status = release.status;
  const byName = new Map((status?.environments ?? []).map((env) => [env.name, env]));
  const current = status?.currentEnvironment;
  const pipeline = release.spec.pipeline.map((name) =>
    reportEnvironment(name, byName.get(name), name === current, true),
  );
  const stray = (status?.environments ?? [])
    .filter((env) => !release.spec.pipeline.includes(env.name))
    .map((env) => reportEnvironment(env.name, env, env.name === current, false));
  const ready = status?.conditions?.find((c) => c.type === "Ready");
  return {
    namespace: release.metadata.namespace ?? "",
    name: release.metadata.name,
    version: release.spec.version,
    currentEnvironment: current ?? null,
    currentState: status?.currentState ?? null,
    ready:
      ready === undefined ? null : { status: ready.status, reason: ready.reason, message: ready.message },
    workflow:
      release.spec.workflow === undefined
        ? null
        : {
            template: release.spec.workflow.template,
            generation: release.spec.workflow.generation,
            digest: release.spec.workflow.digest,
          },
    environments: [...pipeline, ...stray],
  };
}

function environmentBlock(env: EnvironmentReport): string[] {
  const marker = env.current ? "> " : "  ";
  const notes = [env.current ? "current" : "", env.inPipeline ? "" : "not in spec.pipeline"].filter(
    (note) => note !== "",
  );
  const heading = `${marker}${env.name}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`;
  const lines = [heading, `    state:           ${env.state ?? "not reported by the operator yet"}`];
  if (env.revision !== null) lines.push(`    revision:        ${env.revision}`);
  for (const [field, label] of TIMESTAMPS) {
    const value = env.timestamps[field];
    if (value !== undefined) lines.push(`    ${`${label}:`.padEnd(17)}${value}`);
  }
  if (env.reasons.length > 0) lines.push("    reasons:", ...env.reasons.map((reason) => `      - ${reason}`));
  return lines;
}

/** The text form: a heading, the Ready condition, then one block per environment with `>` on the current one. */
export function formatReleaseStatus(report: ReleaseStatusReport): string {
  const ready =
    report.ready === null
      ? "Ready: not reported by the operator yet"
      : `Ready: ${report.ready.status} (${report.ready.reason}) ${report.ready.message}`;
  return (
    [
      `Release ${report.name} (version ${report.version}) in namespace ${report.namespace}`,
      ready.trimEnd(),
      report.workflow === null
        ? "Workflow: the default (the Environments' own checks)"
        : `Workflow: template ${report.workflow.template}, generation ${report.workflow.generation}, as it stood ` +
          "when the release was created",
      "",
      ...report.environments.flatMap(environmentBlock),
    ].join("\n") + "\n"
  );
}
