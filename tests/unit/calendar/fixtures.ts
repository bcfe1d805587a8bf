import type { CalendarEnvironment, CalendarTask, PlannedChange } from "../../../src/calendar/inputs.js";

/** A ChangeRequest planned in [start, end) for a release and environment, optionally bound to a target. */
export function change(
  name: string,
  environment: string,
  start: string,
  end: string,
  extra: {
    namespace?: string;
    release?: string;
    target?: string;
    resolution?: string;
    closedAt?: string;
  } = {},
): PlannedChange {
  return {
    metadata: { name, namespace: extra.namespace ?? "team-a", uid: `uid-${name}` },
    spec: {
      releaseRef: { name: extra.release ?? name },
      environment,
      type: "Normal",
      plannedWindow: { start, end },
      artifacts: [{ name: "api", image: "ghcr.io/acme/api" }],
      ...(extra.target === undefined
        ? {}
        : { binding: { target: { kind: "Application", namespace: "argocd", name: extra.target } } }),
    },
    status: { resolution: extra.resolution, closedAt: extra.closedAt },
  };
}

/** An Environment with these windows and freezes. */
export function environment(
  name: string,
  gate: NonNullable<CalendarEnvironment["spec"]["gate"]>,
): CalendarEnvironment {
  return { metadata: { name, uid: `uid-env-${name}` }, spec: { gate } };
}

/** An open task of a release and environment due at `dueAt` (as the operator stamped it in status). */
export function task(
  name: string,
  release: string,
  env: string,
  dueAt: string,
  extra: { namespace?: string; completedAt?: string; cancelled?: boolean } = {},
): CalendarTask {
  return {
    metadata: { name, namespace: extra.namespace ?? "team-a", uid: `uid-${name}` },
    spec: {
      type: "Checklist",
      title: `Prepare ${release}`,
      releaseRef: { name: release },
      environment: env,
      cancelled: extra.cancelled,
    },
    status: { dueAt, completedAt: extra.completedAt },
  };
}
