import type { FreezeSpec } from "../policy/freeze.js";
import type { WindowSpec } from "../policy/deployment-window.js";

/** The part of an object's metadata the calendar reads. */
export interface CalendarMeta {
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

/** The target a change is bound to (spec.binding.target, written by the operator and immutable). */
export interface CalendarTarget {
  kind: string;
  namespace: string;
  name: string;
}

/** A ChangeRequest as the calendar reads it: where, when, what and how far it got. */
export interface PlannedChange {
  metadata: CalendarMeta;
  spec: {
    releaseRef: { name: string };
    environment: string;
    type: string;
    plannedWindow: { start: string; end: string };
    artifacts?:
      readonly { name: string; image?: string | undefined; revision?: string | undefined }[] | undefined;
    binding?: { target: CalendarTarget } | undefined;
    /** Who requested the change, as admission stamped it. */
    requestedBy?: { username?: string | undefined } | undefined;
  };
  status?: { resolution?: string | undefined; closedAt?: string | undefined } | undefined;
}

/** An Environment as the calendar reads it: its deployment windows and freezes. */
export interface CalendarEnvironment {
  metadata: CalendarMeta;
  spec: { gate?: { windows?: readonly WindowSpec[]; freezes?: readonly FreezeSpec[] } | undefined };
}

/** A DeploymentTask as the calendar reads it: its due time (status first: the operator computed it). */
export interface CalendarTask {
  metadata: CalendarMeta;
  spec: {
    type: string;
    title: string;
    releaseRef?: { name: string } | undefined;
    environment?: string | undefined;
    dueAt?: string | undefined;
    cancelled?: boolean | undefined;
  };
  status?: { dueAt?: string | undefined; completedAt?: string | undefined } | undefined;
}

/** Everything one calendar is built from. */
export interface CalendarInputs {
  changes: readonly PlannedChange[];
  environments: readonly CalendarEnvironment[];
  tasks: readonly CalendarTask[];
  /** The labels of each namespace, for freezes scoped by namespace labels; unknown labels: the freeze covers it. */
  namespaceLabels?: ReadonlyMap<string, Readonly<Record<string, string>>> | undefined;
  /**
   * The user name admission stamps on the changes Stagegate opens for promotions. Their windows are chosen by the
   * operator (now until the SLA, or the next permitted window), and their order by the target's lock, so two of them
   * overlapping is no conflict; a change a person planned is compared with every other.
   */
  operatorIdentity?: string | undefined;
}

/** A change's state in words: its resolution, Closed, or Open. */
export function changeState(change: PlannedChange): string {
  const resolution = change.status?.resolution;
  if (resolution !== undefined)
    return change.status?.closedAt === undefined ? resolution : `${resolution}, closed`;
  return "Open";
}

/** The due time of a task: what the operator stamped in status, else what its spec says. */
export function taskDueAt(task: CalendarTask): string | undefined {
  return task.status?.dueAt ?? task.spec.dueAt;
}
