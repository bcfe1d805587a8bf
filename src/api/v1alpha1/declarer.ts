import { z } from "zod";

/** The most earlier declarers a Release remembers. */
export const MAX_EARLIER_DECLARERS = 20;

/**
 * Who declared a Release: the authenticated identity that created it or last changed its spec, stamped by the
 * admission webhook `/mutate/releases` and never taken from what the user typed. Separation of duties treats the
 * declarer, and every earlier declarer of the release (whatever revision they declared, ADR 0069), as requesters of the release's changes.
 */
export const Declarer = z
  .object({
    username: z.string().min(1).max(512).describe("The authenticated user name that last wrote the spec."),
    groups: z.array(z.string().max(512)).max(100).default([]).describe("That user's authenticated groups."),
    earlier: z
      .array(z.string().min(1).max(512))
      .max(MAX_EARLIER_DECLARERS)
      .default([])
      .describe(
        "Earlier declarers of the release, whatever revision they declared, oldest first (the last 20). They " +
          "may not approve the release's changes either.",
      ),
  })
  .describe(
    "Who created or last changed this Release's spec. Stamped by the admission webhook from the request's " +
      "identity on every create and every change of spec; a request that sets it to anything else is denied.",
  );
export type Declarer = z.infer<typeof Declarer>;

/** Everyone who declared the release's current revision: the last declarer, then the earlier ones. */
export function declarersOf(declarer: Declarer | undefined): string[] {
  if (declarer === undefined) return [];
  return [...new Set([declarer.username, ...declarer.earlier])];
}
