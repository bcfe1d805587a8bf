import { z } from "zod";
import { Timestamp } from "./meta.js";

/** One level of a chain as reached: when, and whom it notified. */
export const EscalationStep = z
  .object({
    level: z.number().int().min(1).describe("The level reached, from 1."),
    at: Timestamp.describe("When the level was due: the breach plus the level's after."),
    notified: z
      .object({
        users: z.array(z.string()).default([]).describe("Users notified."),
        groups: z.array(z.string()).default([]).describe("Groups notified."),
      })
      .describe("Who the level notified."),
  })
  .describe("A level of the escalation chain that was reached.");
export type EscalationStep = z.infer<typeof EscalationStep>;

/** Where an object stands in its escalation chain. */
export const EscalationStatus = z
  .object({
    breachedAt: Timestamp.optional().describe("When the SLA was breached."),
    level: z.number().int().min(0).describe("The last level reached; 0 before the first."),
    steps: z.array(EscalationStep).max(10).default([]).describe("Every level reached, in order."),
    nextAt: Timestamp.optional().describe(
      "When the next level is due, while one remains and the work is open.",
    ),
  })
  .describe(
    "The escalation of a breached SLA: each level reached, whom it notified and when the next is due.",
  );
export type EscalationStatus = z.infer<typeof EscalationStatus>;
