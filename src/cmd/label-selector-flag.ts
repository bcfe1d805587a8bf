import { z } from "zod";

/**
 * `--webhook-namespace-selector`: a JSON label selector (`{"matchLabels":{"team":"a"}}`), or empty for none. One
 * definition for `stagegate run` and `stagegate check`, so both read the flag alike.
 */
export const webhookNamespaceSelectorFlag = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === "") return undefined;
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // reported below
    }
    ctx.addIssue({
      code: "custom",
      message:
        '--webhook-namespace-selector must be a JSON label selector, for example {"matchLabels":{"team":"a"}}',
    });
    return z.NEVER;
  });
