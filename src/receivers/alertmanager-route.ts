import type { IncomingHttpHeaders } from "node:http";
import type { AuditRecorder } from "../audit/recorder.js";
import { currentClaim } from "../controllers/release/target-claims.js";
import type { Informer } from "../runtime/informer/informer.js";
import type { Logger } from "../runtime/logging.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { RollbackSeal } from "../controllers/rollback/seal.js";
import { handleAlert, refuseAlert, type AlertReport, type AlertResult } from "./alertmanager-alert.js";
import { scopeAlert } from "./alertmanager-scope.js";
import type { AlertNoticeDeps } from "./alertmanager-notice.js";
import { matchAlert, releaseCandidates, type AlertMatch } from "./alertmanager-match.js";
import type { AlertMetrics } from "./alertmanager-metrics.js";
import { notificationStatus, summarize } from "./alertmanager-outcome.js";
import { parseWebhookPayload } from "./alertmanager-payload.js";
import { refusal, type ReceiverAnswer } from "./answer.js";
import { authenticateBearer } from "./bearer-authentication.js";
import type { TokenFile } from "./bearer-tokens.js";
import { requireJsonContentType } from "./json-content-type.js";
import { refuseOutOfScope, senderOf } from "./sender-scope.js";
import type { ReceiverRequest, ReceiverRoute } from "./server.js";
import type { TokenScope } from "./token-scope.js";

/** The path Alertmanager's webhook_configs post to. */
export const ALERTMANAGER_PATH = "/alertmanager";

/** How long Alertmanager is asked to wait before retrying a notification the operator could not take yet. */
const RETRY_AFTER_SECONDS = "5";

/** What the Alertmanager route needs. */
export interface AlertmanagerDeps {
  client: KubeClient;
  audit: AuditRecorder;
  log: Logger;
  metrics: AlertMetrics;
  /** The accepted bearer tokens; undefined when no token file is configured (the endpoint is then disabled). */
  tokens: TokenFile | undefined;
  /** The shared releases informer: matching reads its cache, never the API, per notification. */
  releases: Pick<Informer, "hasSynced" | "store">;
  /** Seals the Rollback tasks this route opens, so the rollback controller can tell them from hand-made ones. */
  seal: RollbackSeal;
  /**
   * The rollback controller's caches, clock and Event recorder, to create a Manual release's task with the
   * controller's notice on it (ADR 0067); without them the controller records the notice (one write more).
   */
  notice?: AlertNoticeDeps | undefined;
  now?: () => Date;
}

function authenticate(deps: AlertmanagerDeps, headers: IncomingHttpHeaders): ReceiverAnswer | undefined {
  return authenticateBearer(
    {
      tokens: deps.tokens,
      path: ALERTMANAGER_PATH,
      tokenFileFlag: "--alertmanager-token-file",
      missingTokenHint:
        "set http_config.authorization (type Bearer) on the Alertmanager webhook_config, with a token from " +
        "the operator's Alertmanager Secret.",
      log: deps.log,
      refusedMessage: "Refused an Alertmanager notification without a valid token",
      countRefused: () => deps.metrics.refused("unauthorized"),
    },
    headers,
  );
}

/** Splits an alert's matches into those the sender's token covers and the refusals (recorded) of the others. */
async function scopeMatches(
  deps: AlertmanagerDeps,
  scope: TokenScope,
  receiver: string,
  matches: readonly AlertMatch[],
): Promise<{ inScope: AlertMatch[]; refused: AlertResult[] }> {
  const inScope: AlertMatch[] = [];
  const refused: AlertResult[] = [];
  for (const match of matches) {
    const { namespace, name } = match.release;
    const answer = await refuseOutOfScope(deps, {
      actor: `alertmanager:${scope.name}`,
      scope,
      request: { namespace, release: name, source: receiver },
      object: { kind: "Release", namespace, name },
      details: { receiver, environment: match.environment, matchedBy: match.by },
    });
    if (answer === undefined) inScope.push(match);
    else {
      refused.push({
        outcome: "out-of-scope",
        release: `${namespace}/${name}`,
        environment: match.environment,
        matchedBy: match.by,
        message: String(answer.body.message),
      });
    }
  }
  return { inScope, refused };
}

async function handle(deps: AlertmanagerDeps, request: ReceiverRequest): Promise<ReceiverAnswer> {
  const unsupported = requireJsonContentType(request.headers, "an Alertmanager webhook notification");
  if (unsupported !== undefined) {
    deps.metrics.refused("rejected");
    deps.log.info(
      { contentType: request.headers["content-type"] },
      "Refused an Alertmanager notification that is not JSON",
    );
    return unsupported;
  }
  const sender = senderOf(deps.tokens, request.headers);
  if (!sender.ok) return sender.answer;
  const parsed = parseWebhookPayload(request.body);
  if (!parsed.ok) {
    deps.metrics.refused("rejected");
    deps.log.info(
      { field: parsed.field },
      `Refused a malformed Alertmanager notification: ${parsed.message}`,
    );
    return refusal(400, "MalformedPayload", parsed.message, { field: parsed.field });
  }
  const { releases } = deps;
  if (!releases.hasSynced()) {
    deps.metrics.refused("unavailable");
    return refusal(
      503,
      "NotSynced",
      "the operator has not finished reading the Releases yet, so it cannot tell which release an alert is " +
        "about; retry shortly.",
      { headers: { "Retry-After": RETRY_AFTER_SECONDS } },
    );
  }
  const payload = parsed.payload;
  const receivedAt = (deps.now ?? (() => new Date()))();
  const candidates = releaseCandidates(releases.store.list());
  const current = (key: string) => currentClaim(releases.store, key);
  const reports: AlertReport[] = [];
  for (const alert of payload.alerts) {
    const from = { receiver: payload.receiver, sender: sender.scope.name };
    const scoped = scopeAlert(alert.labels, matchAlert(alert.labels, candidates, current));
    if (scoped.refusal !== undefined) {
      reports.push(await refuseAlert(deps, from, alert, scoped.refusal));
      continue;
    }
    const { inScope, refused } = await scopeMatches(deps, sender.scope, payload.receiver, scoped.matches);
    reports.push(await handleAlert(deps, from, alert, inScope, receivedAt, refused));
  }
  const outcomes = reports.flatMap((r) => r.results.map((result) => result.outcome));
  const status = notificationStatus(outcomes);
  const summary = summarize(outcomes);
  const body = {
    receiver: payload.receiver,
    status: payload.status,
    ...(payload.groupKey === undefined ? {} : { groupKey: payload.groupKey }),
    summary,
    alerts: reports,
  };
  deps.log.info(
    { receiver: payload.receiver, groupKey: payload.groupKey, alerts: payload.alerts.length, ...summary },
    "Received an Alertmanager notification",
  );
  if (status === 200) return { status, body };
  if (status === 403) {
    return {
      status,
      body: {
        reason: "OutOfScope",
        message:
          `token ${sender.scope.name} may not act on every release these alerts match (see ` +
          "alerts[].results[].message); the alerts in its scope were handled. Use a token scoped to those " +
          "namespaces, or widen this token's scope in the operator's token file.",
        ...body,
      },
    };
  }
  return {
    status,
    body: {
      reason: "Unavailable",
      message:
        "at least one alert could not be handled: the Kubernetes API failed, or another object holds its " +
        "Rollback task's name (see alerts[].results[].message); retry the notification: alerts already " +
        "handled will come back as duplicates.",
      ...body,
    },
    headers: { "Retry-After": RETRY_AFTER_SECONDS },
  };
}

/**
 * The `POST /alertmanager` route: authenticates the bearer token, reads a version-4 webhook notification, matches
 * each alert to the releases deployed where it fires (from the releases cache, in one namespace only: see
 * `scopeAlert`) and records what must be done as
 * DeploymentTasks: a Rollback task per firing alert, opened once however often it is delivered; a resolution on
 * that task. It never acts on the rollback itself; the rollback controller does, in reconcile.
 */
export function alertmanagerRoute(deps: AlertmanagerDeps): ReceiverRoute {
  return {
    authenticate: (headers) => authenticate(deps, headers),
    handle: (request) => handle(deps, request),
  };
}
