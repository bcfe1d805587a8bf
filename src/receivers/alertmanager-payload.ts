import { z } from "zod";
import { printablePayload } from "./alertmanager-printable.js";

const RFC3339 = "must be an RFC 3339 time such as 2026-11-26T10:23:10.123Z";

const time = z.iso.datetime({ offset: true, error: RFC3339 });
const labelMap = (what: string) =>
  z.record(z.string(), z.string({ error: `${what} values must be strings` }), {
    error: `must be an object of ${what}`,
  });

/** One alert of a version-4 webhook notification, as Alertmanager sends it. */
export const WebhookAlert = z.looseObject(
  {
    status: z.enum(["firing", "resolved"], { error: 'must be "firing" or "resolved"' }),
    labels: labelMap("label"),
    annotations: labelMap("annotation").default({}),
    startsAt: time,
    endsAt: time.optional(),
    generatorURL: z
      .string({ error: "must be a string" })
      .max(2048, "must be at most 2048 characters")
      .optional(),
    fingerprint: z
      .string({ error: "must be Alertmanager's hex fingerprint of the alert's labels" })
      .regex(/^[0-9a-fA-F]{1,64}$/, "must be Alertmanager's hex fingerprint of the alert's labels"),
  },
  { error: "must be an object (one alert)" },
);
export type WebhookAlert = z.infer<typeof WebhookAlert>;

/**
 * The Alertmanager webhook payload, version 4. Only what Stagegate reads is required (`version`, `receiver`,
 * `status`, `alerts`); the group fields are checked when present and every other field passes through.
 */
export const WebhookPayload = z.looseObject(
  {
    version: z.literal("4", {
      error: 'must be "4": Stagegate reads the Alertmanager webhook payload version 4',
    }),
    receiver: z.string({ error: "must name the Alertmanager receiver" }).min(1, "must name the receiver"),
    status: z.enum(["firing", "resolved"], { error: 'must be "firing" or "resolved"' }),
    alerts: z.array(WebhookAlert, { error: "must be a list of alerts" }),
    groupKey: z.string({ error: "must be a string" }).optional(),
    truncatedAlerts: z.number({ error: "must be a number" }).int().min(0).optional(),
    groupLabels: labelMap("label").optional(),
    commonLabels: labelMap("label").optional(),
    commonAnnotations: labelMap("annotation").optional(),
    externalURL: z.string({ error: "must be a string" }).optional(),
  },
  { error: "must be a JSON object: the Alertmanager webhook payload" },
);
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/** A parsed notification, or why it is malformed: the field at fault (`alerts[0].startsAt`) and a sentence. */
export type PayloadParse =
  { ok: true; payload: WebhookPayload } | { ok: false; field: string; message: string };

/** `["alerts", 0, "startsAt"]` -> `alerts[0].startsAt`; the root is `body`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "body" : out;
}

/** The value at `path` in parsed JSON; undefined when any step is missing. */
function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * Parses a webhook body. A refusal names the first field at fault and says what it must be, for example
 * `alerts[0].startsAt must be an RFC 3339 time ...`; further problems are appended so one retry can fix all.
 */
export function parseWebhookPayload(body: Buffer | string): PayloadParse {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch (err) {
    return {
      ok: false,
      field: "body",
      message: `body must be a JSON Alertmanager webhook payload (version 4): ${(err as Error).message}`,
    };
  }
  const result = WebhookPayload.safeParse(json);
  if (result.success) return { ok: true, payload: printablePayload(result.data) };
  const problems = result.error.issues.map((issue) => {
    const missing = issue.path.length > 0 && valueAt(json, issue.path) === undefined;
    return {
      field: fieldPath(issue.path),
      message: `${fieldPath(issue.path)} ${missing ? `is required: it ${issue.message}` : issue.message}`,
    };
  });
  const first = problems[0] ?? { field: "body", message: "body is not a webhook payload" };
  const more =
    problems.length > 1
      ? `; ${problems
          .slice(1, 5)
          .map((p) => p.message)
          .join("; ")}`
      : "";
  return { ok: false, field: first.field, message: `${first.message}${more}.` };
}
