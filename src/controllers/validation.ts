import type { z } from "zod";

/**
 * Turns a zod error about user input into one sentence that names each offending field by its path, for a
 * Stalled condition or a CLI error, so a user knows exactly what to fix.
 */
export function describeZodError(root: string, error: z.ZodError): string {
  const problems = error.issues.slice(0, 5).map((issue) => {
    const path = [root, ...issue.path.map(String)].join(".");
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : "";
  return `The object is invalid and cannot be reconciled until it is fixed: ${problems.join("; ")}${more}.`;
}
