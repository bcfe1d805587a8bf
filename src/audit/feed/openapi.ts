import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./query.js";

/** The path of a page of records, and of this description. */
export const RECORDS_PATH = "/audit/v1/records";
export const OPENAPI_PATH = "/audit/v1/openapi.json";

const hash = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
const problem = {
  type: "object",
  required: ["error", "message"],
  additionalProperties: false,
  properties: {
    error: { type: "string", description: "A CamelCase reason: BadParameter, Unauthorized, Forbidden, ..." },
    parameter: { type: "string", description: "The query parameter that was refused (BadParameter only)." },
    message: { type: "string" },
  },
} as const;

/**
 * The OpenAPI 3.1 description of the GRC feed, served at {@link OPENAPI_PATH}, written as data. The tests validate
 * real answers of the feed against its schemas, so the description cannot drift from what is served.
 */
export const FEED_OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "Stagegate audit feed",
    version: "v1",
    description:
      "The audit record in chain order, for GRC platforms to poll. Authenticate with a Kubernetes bearer token; " +
      "the caller needs list on auditrecords.stagegate.io (ClusterRole stagegate-auditor). Page with `after` " +
      "set to the previous page's nextCursor: each entry is returned exactly once, in order, while entries are " +
      "being written.",
  },
  components: {
    securitySchemes: { kubernetesToken: { type: "http", scheme: "bearer" } },
    schemas: {
      Entry: {
        type: "object",
        description: "An audit entry exactly as written and sealed (docs/audit.md, Format).",
        required: ["seq", "time", "actor", "action", "object", "details", "prevHash", "hash"],
        additionalProperties: false,
        properties: {
          seq: { type: "integer", minimum: 1 },
          time: { type: "string", format: "date-time" },
          actor: { type: "string", minLength: 1 },
          action: { type: "string", pattern: "^[A-Z][A-Za-z0-9]*$" },
          object: {
            type: "object",
            required: ["kind", "name"],
            additionalProperties: false,
            properties: {
              kind: { type: "string" },
              namespace: { type: "string" },
              name: { type: "string" },
              uid: { type: "string" },
            },
          },
          details: { type: "object" },
          transition: {
            type: "string",
            minLength: 1,
            maxLength: 512,
            description: "The fact's stable id; a store holds at most one entry per transition (ADR 0031).",
          },
          prevHash: hash,
          hash,
        },
      },
      Chain: {
        type: "object",
        description:
          "How far this replica has verified the chain from entry 1 (incrementally, as pages are read), and the " +
          "first bad entry once it found one. Entries after a break are served with verified: false.",
        required: ["intact", "verifiedThrough"],
        additionalProperties: false,
        properties: {
          intact: { type: "boolean" },
          verifiedThrough: { type: "integer", minimum: 0 },
          firstBad: {
            type: "object",
            required: ["line", "problem", "message"],
            additionalProperties: false,
            properties: {
              line: {
                type: "integer",
                description: "The position in chain order (a row, or a file's line).",
              },
              seq: { type: "integer" },
              problem: { enum: ["malformed", "edited", "removed", "reordered"] },
              message: { type: "string" },
            },
          },
        },
      },
      Page: {
        type: "object",
        required: ["source", "items", "nextCursor", "more", "chain"],
        additionalProperties: false,
        properties: {
          source: {
            type: "string",
            description: "The record read: the database URL without password, or a file.",
          },
          items: {
            type: "array",
            items: {
              type: "object",
              required: ["verified", "entry"],
              additionalProperties: false,
              properties: {
                verified: {
                  type: "boolean",
                  description: "Whether the verified chain vouches for this entry.",
                },
                entry: { $ref: "#/components/schemas/Entry" },
              },
            },
          },
          nextCursor: { type: "string", description: "Pass as `after` for the next page; opaque." },
          more: {
            type: "boolean",
            description:
              "True when entries after nextCursor existed when this page was read; poll again when false.",
          },
          chain: { $ref: "#/components/schemas/Chain" },
        },
      },
      Problem: problem,
    },
  },
  security: [{ kubernetesToken: [] }],
  paths: {
    [RECORDS_PATH]: {
      get: {
        operationId: "listAuditRecords",
        summary: "A page of audit entries in chain order, after a cursor, filtered.",
        parameters: [
          {
            name: "after",
            in: "query",
            schema: { type: "string" },
            description: "nextCursor of the last page.",
          },
          {
            name: "limit",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
          },
          {
            name: "since",
            in: "query",
            schema: { type: "string", format: "date-time" },
            description: "Inclusive.",
          },
          {
            name: "until",
            in: "query",
            schema: { type: "string", format: "date-time" },
            description: "Exclusive.",
          },
          {
            name: "namespace",
            in: "query",
            schema: { type: "string" },
            description: "Of the entry's object.",
          },
          {
            name: "environment",
            in: "query",
            schema: { type: "string" },
            description: "Named in its details.",
          },
          {
            name: "action",
            in: "query",
            schema: { type: "string" },
            description: "Comma-separated actions.",
          },
        ],
        responses: {
          "200": {
            description: "A page; empty with more: false at the end of the record.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Page" } } },
          },
          "400": {
            description: "A parameter is unknown, repeated or malformed; `parameter` names it.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
          "401": {
            description: "No bearer token, or one the API server does not accept.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
          "403": {
            description: "The caller may not list auditrecords.stagegate.io.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
          "503": {
            description: "The API server or the audit store cannot be reached; try again.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
        },
      },
    },
    [OPENAPI_PATH]: {
      get: {
        operationId: "describeAuditFeed",
        summary: "This description (the same authorisation as the records).",
        responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": {} } } },
      },
    },
  },
} as const;
