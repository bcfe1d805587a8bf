import { z } from "zod";

/** The status of a TokenReview as the API server answers it; every field optional, unknown ones kept. */
export const TokenReviewStatus = z.looseObject({
  status: z
    .looseObject({
      authenticated: z.boolean().optional(),
      user: z
        .looseObject({
          username: z.string().optional(),
          uid: z.string().optional(),
          groups: z.array(z.string()).optional(),
          extra: z.record(z.string(), z.array(z.string())).optional(),
        })
        .optional(),
      error: z.string().optional(),
    })
    .optional(),
});
