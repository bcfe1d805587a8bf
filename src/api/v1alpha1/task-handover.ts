import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { Timestamp } from "./meta.js";
import { TaskOwner } from "./roles.js";

/** How many hand-overs a task keeps; older ones drop off the object (the audit trail keeps every one). */
export const HANDOVER_HISTORY = 20;

/** Who acknowledged a task and when, stamped by the admission webhook from the request, never typed. */
export const TaskAcknowledgement = z
  .object({
    by: z
      .string()
      .min(1)
      .max(LIMITS.identity)
      .describe("The authenticated user name of the owner who acknowledged the task, stamped by admission."),
    at: Timestamp.describe("When the task was acknowledged, stamped by admission from its clock."),
  })
  .describe(
    "An owner's acknowledgement that the task is being worked on: write `acknowledgement: {}` as a current owner and " +
      "admission stamps who and when. Cleared by a hand-over; never edited afterwards.",
  );
export type TaskAcknowledgement = z.infer<typeof TaskAcknowledgement>;

/** One hand-over of a task from its current owners to another owner. */
export const TaskHandover = z
  .object({
    to: TaskOwner,
    reason: z.string().max(LIMITS.text).optional().describe("Why the work changes hands, for the new owner."),
    by: z
      .string()
      .min(1)
      .max(LIMITS.identity)
      .describe("The authenticated user name of the owner who handed the task over, stamped by admission."),
    at: Timestamp.describe("When the task was handed over, stamped by admission from its clock."),
  })
  .describe("A hand-over: the task's owner from then on, who handed it over and when.");
export type TaskHandover = z.infer<typeof TaskHandover>;

/** The hand-over history of a task, oldest first; the last entry names its current owner. */
export const TaskHandovers = z
  .array(TaskHandover)
  .max(HANDOVER_HISTORY)
  .default([])
  .describe(
    "The task's hand-overs, oldest first (the last " +
      String(HANDOVER_HISTORY) +
      " are kept; the audit trail keeps all). A current owner appends one entry naming `to`; admission stamps `by` " +
      "and `at`. The last entry's `to` owns the task instead of spec.owners. Earlier entries never change.",
  );
