import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";

/** A CloudEvent 1.0 as the receivers understand it: the context attributes and the JSON `data`. */
export interface CloudEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data: unknown;
}

/** A request that is not a CloudEvent: the status (400 or 415), the field at fault, and the fix. */
export interface CloudEventProblem {
  ok: false;
  status: 400 | 415;
  field: string;
  message: string;
}

export type ParsedCloudEvent =
  { ok: true; event: CloudEvent; mode: "structured" | "binary" } | CloudEventProblem;

const text = (fix: string, max = 1024) =>
  z
    .string({
      error: (iss) => (iss.input === undefined ? `is required: ${fix}` : `must be a string: ${fix}`),
    })
    .min(1, `must not be empty: ${fix}`)
    .max(max, `must be at most ${max} characters`);

const Attributes = z.object({
  specversion: z.literal("1.0", {
    error: (iss) =>
      iss.input === undefined
        ? 'is required: set it to "1.0"'
        : 'must be "1.0", the CloudEvents version this receiver speaks',
  }),
  id: text("a unique id of this event, for example the pipeline run id and step", 256),
  source: text("where the event comes from, for example https://ci.example.com/shop/pipelines", 256),
  type: text("what happened, for example io.stagegate.scan.finished", 256),
  subject: z.string({ error: "must be a string" }).max(1024, "must be at most 1024 characters").optional(),
  time: z.iso
    .datetime({ offset: true, error: "must be an RFC 3339 timestamp, for example 2026-11-26T09:00:00Z" })
    .optional(),
  datacontenttype: z.string({ error: "must be a string, for example application/json" }).optional(),
});

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;
const ATTRIBUTE_NAMES = [
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
] as const;

function problem(status: 400 | 415, field: string, message: string): CloudEventProblem {
  return { ok: false, status, field, message };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Validates the context attributes; `label` turns an attribute name into what the sender wrote. */
function validate(
  attributes: Record<string, unknown>,
  data: unknown,
  mode: "structured" | "binary",
  label: (name: string) => string,
): ParsedCloudEvent {
  const parsed = Attributes.safeParse(attributes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "specversion");
    return problem(400, label(name), `${label(name)} ${issue?.message ?? "is invalid"}`);
  }
  const event: CloudEvent = { ...parsed.data, data };
  return { ok: true, event, mode };
}

function parseJson(body: Buffer, field: string): { ok: true; value: unknown } | CloudEventProblem {
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch (error) {
    return problem(400, field, `${field} is not JSON (${(error as Error).message}); send a JSON document.`);
  }
}

function structured(body: Buffer): ParsedCloudEvent {
  const json = parseJson(body, "the body");
  if (!json.ok) return json;
  const value = json.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return problem(400, "the body", "the body must be a JSON object: one CloudEvent in structured mode.");
  }
  const record = value as Record<string, unknown>;
  if ("data_base64" in record) {
    return problem(400, "data_base64", "data_base64 is not supported: send data as a JSON object in data.");
  }
  return validate(record, record.data, "structured", (name) => name);
}

function binary(headers: IncomingHttpHeaders, body: Buffer): ParsedCloudEvent {
  const contentType = header(headers, "content-type");
  const attributes: Record<string, unknown> = {};
  for (const name of ATTRIBUTE_NAMES) {
    const value = header(headers, `ce-${name}`);
    if (value !== undefined) attributes[name] = value;
  }
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  let data: unknown;
  if (body.length > 0) {
    if (contentType !== undefined && !JSON_TYPE.test(contentType)) {
      return problem(
        415,
        "Content-Type",
        `Content-Type ${contentType} is not supported: send data as application/json.`,
      );
    }
    const json = parseJson(body, "the body");
    if (!json.ok) return json;
    data = json.value;
  }
  return validate(attributes, data, "binary", (name) =>
    name === "datacontenttype" ? "Content-Type" : `ce-${name} header`,
  );
}

/**
 * Reads one CloudEvent 1.0 from a request, in structured mode (`application/cloudevents+json`, or plain JSON) or
 * binary mode (`ce-*` headers, the body is `data`). Batches and non-JSON data are refused with 415; anything
 * malformed with 400 naming the attribute and how to fix it.
 */
export function parseCloudEvent(headers: IncomingHttpHeaders, body: Buffer): ParsedCloudEvent {
  const contentType = (header(headers, "content-type") ?? "").toLowerCase();
  if (contentType.startsWith("application/cloudevents-batch+json")) {
    return problem(415, "Content-Type", "batched CloudEvents are not supported: send one event per request.");
  }
  if (contentType.startsWith("application/cloudevents+json")) return structured(body);
  if (header(headers, "ce-specversion") !== undefined) return binary(headers, body);
  if (contentType === "" || JSON_TYPE.test(contentType)) return structured(body);
  return problem(
    415,
    "Content-Type",
    `Content-Type ${contentType} is not supported: send application/cloudevents+json (structured mode), or ` +
      "ce-* headers with an application/json body (binary mode).",
  );
}
