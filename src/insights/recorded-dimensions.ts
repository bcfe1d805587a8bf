import { z } from "zod";
import type { Dimensions } from "../api/v1alpha1/dimensions.js";

const Name = z.string().max(253);

/** The shape of `details.dimensions` on a ReleasePromoted entry (ADR 0042); anything else reads as absent. */
export const RecordedDimensions = z.object({
  team: Name.optional(),
  service: Name.optional(),
  region: Name.optional(),
  tenant: Name.optional(),
  customerImpact: Name.optional(),
  tags: z.array(Name).max(64).optional(),
});

/** The dimensions a promotion entry recorded, or undefined (older entries, or a field of another shape). */
export function recordedDimensions(details: Readonly<Record<string, unknown>>): Dimensions | undefined {
  const parsed = RecordedDimensions.safeParse(details.dimensions);
  if (!parsed.success) return undefined;
  const out: Dimensions = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
