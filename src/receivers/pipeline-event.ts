import { z } from "zod";
import type { CloudEvent } from "./cloudevent.js";

/** The CloudEvent types `POST /pipeline-events` acts on. */
export const PIPELINE_EVENT_TYPES = [
  "io.stagegate.build.promoted",
  "io.stagegate.scan.finished",
  "io.stagegate.tests.passed",
  "io.stagegate.tests.failed",
] as const;
export type PipelineEventType = (typeof PIPELINE_EVENT_TYPES)[number];

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const text = (fix: string, max = 2048) =>
  z
    .string({
      error: (iss) => (iss.input === undefined ? `is required: ${fix}` : `must be a string: ${fix}`),
    })
    .min(1, `must not be empty: ${fix}`)
    .max(max, `must be at most ${max} characters`);

const objectName = (fix: string) =>
  text(fix, 253).regex(DNS_NAME, `must be a lowercase DNS-1123 name: ${fix}`);

const object = <T extends z.core.$ZodLooseShape>(shape: T, fix: string) =>
  z.object(shape, {
    error: (iss) => (iss.input === undefined ? `is required: ${fix}` : `must be an object: ${fix}`),
  });

const ReleaseRef = object(
  {
    name: objectName("name the Release the event is about"),
    namespace: objectName("name the namespace of the Release"),
  },
  'name the Release, for example {"name": "shop-1", "namespace": "shop"}',
);

const Common = {
  release: ReleaseRef,
  environment: objectName("name the Environment the event is about"),
  uri: text("a URL where the evidence can be read").optional(),
};

const BuildPromoted = object(
  {
    ...Common,
    environment: objectName("name the Environment the build was promoted to"),
    revision: text("the revision (commit, tag or digest) that was promoted", 255).optional(),
  },
  "send the promotion as a JSON object with release and environment",
);

const ScanFinished = object(
  {
    ...Common,
    result: z.enum(["Passed", "Failed", "Inconclusive"], {
      error: "must be Passed, Failed or Inconclusive: the scan's verdict",
    }),
    digest: text("the digest of the scan report, for example sha256:...", 256),
    findings: object(
      {
        critical: z
          .int({ error: "must be a whole number: the count of critical findings" })
          .min(0, "must not be negative"),
        high: z
          .int({ error: "must be a whole number: the count of high findings" })
          .min(0, "must not be negative"),
      },
      'give the counts of findings, for example {"critical": 0, "high": 0}',
    ).optional(),
  },
  "send the scan result as a JSON object with release, environment, result and digest",
);

const TestsRun = object(
  {
    ...Common,
    suite: z.enum(["smoke", "acceptance"], {
      error:
        "must be smoke or acceptance: smoke completes post-deploy verification, acceptance user acceptance",
    }),
    digest: text("the digest of the test report, for example sha256:...", 256).optional(),
  },
  "send the test run as a JSON object with release, environment and suite",
).refine((d) => d.suite !== "acceptance" || d.uri !== undefined || d.digest !== undefined, {
  message:
    "is required for the acceptance suite (or data.digest): the UserAcceptance item counts only with evidence",
  path: ["uri"],
});

/**
 * Where an event comes from: its envelope's id and source (what the payload claims, kept as detail) and the
 * sender, the name of the scoped token it was authenticated with: the actor on tasks and in the audit trail.
 */
export interface EventOrigin {
  id: string;
  source: string;
  sender: string;
}

/** A pipeline event whose data parsed: one variant per type. */
export type PipelineEvent =
  | { type: "io.stagegate.build.promoted"; origin: EventOrigin; data: z.infer<typeof BuildPromoted> }
  | { type: "io.stagegate.scan.finished"; origin: EventOrigin; data: z.infer<typeof ScanFinished> }
  | {
      type: "io.stagegate.tests.passed" | "io.stagegate.tests.failed";
      origin: EventOrigin;
      data: z.infer<typeof TestsRun>;
    };

/** The release and environment every pipeline event names. */
export type EventTarget = PipelineEvent["data"];

/** Why an event's type or data is refused: the field, and a message naming it with the fix. */
export interface PipelineEventProblem {
  ok: false;
  reason: "UnsupportedType" | "InvalidData";
  field: string;
  message: string;
}

function problemOf(error: z.ZodError): PipelineEventProblem {
  const issue = error.issues[0];
  const field = ["data", ...(issue?.path ?? []).map(String)].join(".");
  return { ok: false, reason: "InvalidData", field, message: `${field} ${issue?.message ?? "is invalid"}` };
}

/**
 * Reads a CloudEvent's type and data as a pipeline event sent by `sender` (the authenticated token's name). An unknown type is refused listing the supported ones;
 * bad data is refused naming the first field at fault (`data.environment is required: ...`).
 */
export function parsePipelineEvent(
  event: CloudEvent,
  sender: string,
): { ok: true; event: PipelineEvent } | PipelineEventProblem {
  const origin = { id: event.id, source: event.source, sender };
  const schema = (() => {
    switch (event.type) {
      case "io.stagegate.build.promoted":
        return BuildPromoted;
      case "io.stagegate.scan.finished":
        return ScanFinished;
      case "io.stagegate.tests.passed":
      case "io.stagegate.tests.failed":
        return TestsRun;
      default:
        return undefined;
    }
  })();
  if (schema === undefined) {
    return {
      ok: false,
      reason: "UnsupportedType",
      field: "type",
      message: `type ${event.type} is not supported: send one of ${PIPELINE_EVENT_TYPES.join(", ")}.`,
    };
  }
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) return problemOf(parsed.error);
  // The schema was chosen by the type, so the pairing below holds.
  return { ok: true, event: { type: event.type, origin, data: parsed.data } as PipelineEvent };
}
