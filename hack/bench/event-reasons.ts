import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { z } from "zod";

/** The fields of an events.k8s.io/v1 Event that say what it reported and when. */
const ReportedEvent = z.object({
  eventTime: z.string().nullish(),
  reason: z.string().optional(),
  reportingController: z.string().optional(),
  regarding: z.object({ kind: z.string().optional() }).optional(),
});

/**
 * The Events written since `sinceMs` (epoch ms) in `namespaces`, counted by `<regarding kind> <reason>`: which
 * facts the operator's Event writes report (the audit log says how many, not what they said).
 */
export async function eventReasons(
  admin: KubeClient,
  namespaces: readonly string[],
  sinceMs: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const namespace of namespaces) {
    let continueToken: string | undefined;
    do {
      const page = await admin.list(builtin.event, { namespace, limit: 500, continue: continueToken });
      for (const item of page.items) {
        const event = ReportedEvent.safeParse(item);
        if (!event.success || event.data.eventTime == null) continue;
        if (Date.parse(event.data.eventTime) < sinceMs) continue;
        const key = `${event.data.regarding?.kind ?? "?"} ${event.data.reason ?? "?"}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      continueToken = page.continue;
    } while (continueToken !== undefined);
  }
  return counts;
}
