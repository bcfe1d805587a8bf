import { z } from "zod";

const ManagedFieldsEntry = z.looseObject({
  manager: z.string().optional(),
  operation: z.string().optional(),
  fieldsV1: z.unknown().optional(),
});

const ChecklistFields = z.looseObject({
  "f:spec": z.looseObject({ "f:checklist": z.record(z.string(), z.unknown()).optional() }).optional(),
});

const ITEM_KEY = /^k:(\{.*\})$/;
const ItemKey = z.object({ name: z.string() });

/**
 * The names of the checklist items whose fields `manager` holds through server-side apply, read from
 * `metadata.managedFields`. An apply must restate them: server-side apply removes the fields a manager owned
 * and left out of its next apply.
 */
export function ownedChecklistItems(managedFields: unknown, manager: string): string[] {
  const entries = z.array(ManagedFieldsEntry).safeParse(managedFields ?? []);
  if (!entries.success) return [];
  const names = new Set<string>();
  for (const entry of entries.data) {
    if (entry.manager !== manager || entry.operation !== "Apply") continue;
    const fields = ChecklistFields.safeParse(entry.fieldsV1);
    const checklist = fields.success ? fields.data["f:spec"]?.["f:checklist"] : undefined;
    for (const key of Object.keys(checklist ?? {})) {
      const match = ITEM_KEY.exec(key);
      if (match?.[1] === undefined) continue;
      try {
        const item = ItemKey.safeParse(JSON.parse(match[1]));
        if (item.success) names.add(item.data.name);
      } catch {
        // A key that is not JSON names no item of ours.
      }
    }
  }
  return [...names];
}
