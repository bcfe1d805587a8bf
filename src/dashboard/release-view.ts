import { z } from "zod";
import type { BoardRelease } from "./board-view.js";

/** The steps of an environment with their timestamps, as status.environments records them. */
export interface EnvironmentTimes {
  environment: string;
  steps: { label: string; at: string }[];
}

/** A condition as the release page lists it. */
export interface ConditionLine {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** An Event about the release, as the page lists it. */
export interface EventLine {
  at: string;
  type: string;
  warning: boolean;
  reason: string;
  message: string;
}

const STEPS = [
  ["requestedAt", "asked"],
  ["gateClearedAt", "gate cleared"],
  ["deployStartedAt", "deploy started"],
  ["deployedAt", "deployed"],
  ["verifiedAt", "verified"],
] as const;

/** Each environment's recorded steps (only environments with at least one). */
export function environmentTimes(release: BoardRelease): EnvironmentTimes[] {
  return (release.status?.environments ?? [])
    .map((env) => ({
      environment: env.name,
      steps: STEPS.flatMap(([field, label]) => {
        const at = env[field];
        return at === undefined ? [] : [{ label, at }];
      }),
    }))
    .filter((times) => times.steps.length > 0);
}

const Condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
const Conditions = z.looseObject({
  status: z.looseObject({ conditions: z.array(Condition).optional() }).optional(),
});

/** The release's conditions as the operator wrote them. */
export function conditionLines(release: unknown): ConditionLine[] {
  const parsed = Conditions.safeParse(release);
  return parsed.success ? (parsed.data.status?.conditions ?? []) : [];
}

/** A core/v1 Event, as the release page reads it. */
export const CoreEvent = z.looseObject({
  metadata: z.looseObject({ creationTimestamp: z.string().optional() }),
  involvedObject: z.looseObject({ uid: z.string().optional() }).optional(),
  type: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  eventTime: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  firstTimestamp: z.string().nullish(),
});
export type CoreEvent = z.infer<typeof CoreEvent>;

/** The events about the object with `uid` (a name says where to look; the uid says it is this very release), newest first. */
export function eventLines(events: readonly CoreEvent[], uid: string | undefined): EventLine[] {
  return events
    .filter((event) => uid === undefined || event.involvedObject?.uid === uid)
    .map((event) => ({
      at:
        event.lastTimestamp ??
        event.eventTime ??
        event.firstTimestamp ??
        event.metadata.creationTimestamp ??
        "",
      type: event.type ?? "Normal",
      warning: event.type === "Warning",
      reason: event.reason ?? "",
      message: event.message ?? "",
    }))
    .sort((a, b) => b.at.localeCompare(a.at));
}
