import { z } from "zod";

/** The Status object of an in-stream ERROR event (410 Gone means: relist). */
export const WatchErrorStatus = z.looseObject({
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** A BOOKMARK event's object carries only its resourceVersion (and no name). */
export const Bookmark = z.looseObject({ metadata: z.looseObject({ resourceVersion: z.string() }) });

/** A watch the server closed at once without delivering anything. */
export class ShortWatchError extends Error {
  override readonly name = "ShortWatch";
}
