import type { IncomingHttpHeaders } from "node:http";
import { transitionDigest, transitionId, type AuditRecorder } from "../audit/recorder.js";
import { ApiError, TransportError } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { EventRejected, refusal, type ReceiverAnswer } from "./answer.js";
import { authenticateBearer } from "./bearer-authentication.js";
import type { TokenFile } from "./bearer-tokens.js";
import { parseCloudEvent, type CloudEvent } from "./cloudevent.js";
import { actOnEvent, type EventResult } from "./pipeline-actions.js";
import { parsePipelineEvent, type PipelineEvent } from "./pipeline-event.js";
import type { PipelineEventMetrics } from "./pipeline-metrics.js";
import { refuseOutOfScope, senderOf } from "./sender-scope.js";
import type { ReceiverRequest, ReceiverRoute } from "./server.js";

/** The path CI/CD systems post their events to. */
export const PIPELINE_EVENTS_PATH = "/pipeline-events";

/** What the pipeline events route needs. */
export interface PipelineEventsDeps {
  client: KubeClient;
  audit: AuditRecorder;
  log: Logger;
  metrics: PipelineEventMetrics;
  /** The accepted bearer tokens; undefined when no token file is configured (the endpoint is then disabled). */
  tokens: TokenFile | undefined;
  /** The one namespace the operator serves, when it was started with --namespace. */
  namespace?: string;
}

function authenticate(deps: PipelineEventsDeps, headers: IncomingHttpHeaders): ReceiverAnswer | undefined {
  return authenticateBearer(
    {
      tokens: deps.tokens,
      path: PIPELINE_EVENTS_PATH,
      tokenFileFlag: "--pipeline-events-token-file",
      missingTokenHint:
        "send Authorization: Bearer <token> with a token from the operator's pipeline events Secret.",
      log: deps.log,
      refusedMessage: "Refused a pipeline event without a valid token",
      countRefused: () => deps.metrics.observe(undefined, "Unauthorized"),
    },
    headers,
  );
}

function success(cloudEvent: CloudEvent, result: EventResult): ReceiverAnswer {
  return {
    status: 200,
    body: {
      id: cloudEvent.id,
      type: cloudEvent.type,
      outcome: result.outcome,
      message: result.message,
      release: `${result.release.namespace}/${result.release.name}`,
      tasks: result.tasks,
    },
  };
}

/**
 * The transition of an event's entry about one object (ADR 0031). A CloudEvent is named by its source and id
 * (the sender re-sends the same ones when it got no answer); with the token's name (one sender cannot settle
 * another's) and a digest of the type and data (an id reused for other contents is another event). A redelivery,
 * also the one after a crash between the writes and the entry, records the event once.
 */
export function pipelineEventTransition(
  cloudEvent: CloudEvent,
  sender: string,
  object: { kind: string; name: string },
): string {
  return transitionId(
    "CloudEvent",
    cloudEvent.source,
    "PipelineEventReceived",
    cloudEvent.id,
    sender,
    transitionDigest([cloudEvent.type, cloudEvent.subject ?? null, cloudEvent.data]),
    object.kind,
    object.name,
  );
}

/**
 * Writes one audit entry per task the event concerns (the Release itself when there is none), after the writes,
 * each under the event's transition: a redelivery finds the writes done and records what a crash lost, else
 * nothing.
 */
async function audit(
  deps: PipelineEventsDeps,
  cloudEvent: CloudEvent,
  event: PipelineEvent,
  result: EventResult,
) {
  const { namespace, name } = result.release;
  const details = {
    eventId: cloudEvent.id,
    eventType: cloudEvent.type,
    source: cloudEvent.source,
    ...(cloudEvent.subject === undefined ? {} : { subject: cloudEvent.subject }),
    release: `${namespace}/${name}`,
    environment: event.data.environment,
    outcome: result.outcome,
  };
  const actor = `pipeline:${event.origin.sender}`;
  const sender = event.origin.sender;
  if (result.tasks.length === 0) {
    await deps.audit.record({
      actor,
      action: "PipelineEventReceived",
      object: { kind: "Release", namespace, name },
      details,
      transition: pipelineEventTransition(cloudEvent, sender, { kind: "Release", name }),
    });
  }
  for (const task of result.tasks) {
    const items = task.items?.map((i) => ({
      name: i.name,
      change: i.change,
      ...("state" in i ? { state: i.state } : {}),
    }));
    await deps.audit.record({
      actor,
      action: "PipelineEventReceived",
      object: { kind: "DeploymentTask", namespace, name: task.name },
      details: { ...details, change: task.change, ...(items === undefined ? {} : { items }) },
      transition: pipelineEventTransition(cloudEvent, sender, { kind: "DeploymentTask", name: task.name }),
    });
  }
}

async function handle(deps: PipelineEventsDeps, request: ReceiverRequest): Promise<ReceiverAnswer> {
  const parsed = parseCloudEvent(request.headers, request.body);
  if (!parsed.ok) {
    deps.metrics.observe(undefined, "Rejected");
    return refusal(parsed.status, "MalformedEvent", parsed.message, { field: parsed.field });
  }
  const cloudEvent = parsed.event;
  const sender = senderOf(deps.tokens, request.headers);
  if (!sender.ok) return sender.answer;
  const pipeline = parsePipelineEvent(cloudEvent, sender.scope.name);
  if (!pipeline.ok) {
    deps.metrics.observe(cloudEvent.type, "Rejected");
    return refusal(400, pipeline.reason, pipeline.message, { field: pipeline.field });
  }
  const event = pipeline.event;
  const ref = event.data.release;
  const fields = { eventId: cloudEvent.id, type: cloudEvent.type, source: cloudEvent.source, release: ref };
  if (deps.namespace !== undefined && ref.namespace !== deps.namespace) {
    deps.metrics.observe(cloudEvent.type, "Rejected");
    return refusal(
      422,
      "NamespaceNotServed",
      `data.release.namespace ${ref.namespace} is not served: this operator only manages namespace ${deps.namespace}.`,
      { field: "data.release.namespace" },
    );
  }
  const refused = await refuseOutOfScope(deps, {
    actor: `pipeline:${sender.scope.name}`,
    scope: sender.scope,
    request: { namespace: ref.namespace, release: ref.name, source: cloudEvent.source },
    object: { kind: "Release", namespace: ref.namespace, name: ref.name },
    details: { eventId: cloudEvent.id, eventType: cloudEvent.type, source: cloudEvent.source },
  });
  if (refused !== undefined) {
    deps.metrics.observe(cloudEvent.type, "Rejected");
    return refused;
  }
  try {
    const result = await actOnEvent(deps.client, event);
    await audit(deps, cloudEvent, event, result);
    deps.metrics.observe(cloudEvent.type, result.outcome);
    deps.log.info({ ...fields, outcome: result.outcome }, `Received a pipeline event: ${result.message}`);
    return success(cloudEvent, result);
  } catch (err) {
    if (err instanceof EventRejected) {
      deps.metrics.observe(cloudEvent.type, "Rejected");
      deps.log.info({ ...fields, reason: err.reason }, `Refused a pipeline event: ${err.message}`);
      return err.answer();
    }
    deps.metrics.observe(cloudEvent.type, "Failed");
    deps.log.error({ ...fields, err }, "Failed to act on a pipeline event");
    const cause =
      err instanceof ApiError || err instanceof TransportError
        ? "the Kubernetes API failed"
        : "the operator failed";
    return refusal(503, "Unavailable", `${cause} (${(err as Error).message}); retry the event.`, {
      headers: { "Retry-After": "5" },
    });
  }
}

/**
 * The `POST /pipeline-events` route: authenticates the bearer token, reads one CloudEvent, acts on it and
 * records it in the audit trail. Bad events get 4xx naming the field; API failures 503 so the sender retries
 * (every action is idempotent, so a retry after a partial success does no harm).
 */
export function pipelineEventsRoute(deps: PipelineEventsDeps): ReceiverRoute {
  return {
    authenticate: (headers) => authenticate(deps, headers),
    handle: (request) => handle(deps, request),
  };
}
