import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import type { AuditRecorder } from "../audit/recorder.js";
import { readBody, sendText } from "../runtime/http-body.js";
import {
  startHttpsServer,
  type HttpsServingOptions,
  type RunningHttpsServer,
} from "../runtime/https-server.js";
import {
  denyResponse,
  parseAdmissionReview,
  reviewAnswer,
  type AdmissionResponse,
  type ParsedReview,
} from "./admission-review.js";
import { mutateApproval, validateApproval } from "./approval-webhooks.js";
import { refuse } from "./audit-outcome.js";
import { mutateChangeRequest, validateChangeRequest } from "./change-request-webhooks.js";
import { validateRelease } from "./release-webhooks.js";
import { mutateDeploymentTask, validateDeploymentTask } from "./task-webhooks.js";
import { validateWorkflowTemplate } from "./workflow-template-webhooks.js";
import { mutateRelease } from "./release-declarer.js";
import { deny, denialText } from "./verdict.js";
import type { AdmissionHandler, WebhookContext } from "./webhook-context.js";

/** The largest AdmissionReview accepted: an object and its old version at etcd's 1.5 MiB limit each, and slack. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The webhook paths the configurations in config/webhook/ point at, and the handler behind each. */
export const WEBHOOK_ROUTES: Readonly<Record<string, AdmissionHandler>> = {
  "/mutate/changerequests": mutateChangeRequest,
  "/validate/changerequests": validateChangeRequest,
  "/mutate/approvals": mutateApproval,
  "/validate/approvals": validateApproval,
  "/validate/releases": validateRelease,
  "/mutate/deploymenttasks": mutateDeploymentTask,
  "/validate/deploymenttasks": validateDeploymentTask,
  "/mutate/releases": mutateRelease,
  "/validate/workflowtemplates": validateWorkflowTemplate,
};

/** How to start the webhook server. */
export interface WebhookServerOptions extends HttpsServingOptions {
  audit: AuditRecorder;
  lookupEnvironment: (name: string) => Promise<EnvironmentSpec | undefined>;
  lookupDeliveryLabels?: WebhookContext["lookupDeliveryLabels"];
  lookupNamespaceLabels?: WebhookContext["lookupNamespaceLabels"];
  lookupReleaseChangeType?: WebhookContext["lookupReleaseChangeType"];
  lookupReleaseUid?: WebhookContext["lookupReleaseUid"];
  lookupChangeDeclarers?: WebhookContext["lookupChangeDeclarers"];
  lookupReleases?: WebhookContext["lookupReleases"];
  mayUpdateEnvironments?: WebhookContext["mayUpdateEnvironments"];
  lookupWorkflowTemplate?: WebhookContext["lookupWorkflowTemplate"];
  lookupTeamRoleBindings?: WebhookContext["lookupTeamRoleBindings"];
  /**
   * The operator's own user name, a fixed name or a getter of the one learned at start (undefined until then:
   * nobody counts as the operator); see {@link WebhookContext.operatorUsername}.
   */
  operatorUsername?: string | (() => string | undefined) | undefined;
  /** Seals DeploymentTask creator stamps; see {@link WebhookContext.creatorSeal}. */
  creatorSeal?: WebhookContext["creatorSeal"];
  /** Verifies Rollback task seals; see {@link WebhookContext.rollbackSeal}. */
  rollbackSeal?: WebhookContext["rollbackSeal"];
  clock?: () => Date;
  maxBodyBytes?: number;
}

/** A running webhook server. */
export type WebhookServer = RunningHttpsServer;

function sendReview(res: ServerResponse, response: AdmissionResponse): void {
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reviewAnswer(response)));
}

/** The user name of a review that did not parse, when it can be read, for the audit entry of its denial. */
const SalvagedUser = z.object({ request: z.object({ userInfo: z.object({ username: z.string().min(1) }) }) });

/** Answers a review that is not a valid AdmissionReview: 200 with a denial when its uid is readable, else 400. */
async function answerMalformed(
  res: ServerResponse,
  body: unknown,
  parsed: Extract<ParsedReview, { ok: false }>,
  ctx: WebhookContext,
): Promise<void> {
  const denial = deny(
    "MalformedRequest",
    `${parsed.field} ${parsed.problem}; send an admission.k8s.io/v1 AdmissionReview.`,
  );
  ctx.log.warn({ uid: parsed.uid, field: parsed.field }, "Refused an AdmissionReview that does not parse");
  if (parsed.uid === undefined) {
    sendText(res, 400, denialText(denial));
    return;
  }
  const user = SalvagedUser.safeParse(body);
  const request = {
    uid: parsed.uid,
    kind: { group: "admission.k8s.io", version: "v1", kind: "AdmissionReview" },
    resource: { group: "admission.k8s.io", version: "v1", resource: "admissionreviews" },
    name: parsed.uid,
    operation: "CONNECT" as const,
    userInfo: { username: user.success ? user.data.request.userInfo.username : "unknown", groups: [] },
    dryRun: false,
  };
  sendReview(res, await refuse(request, ctx, denial));
}

/** Routes one HTTP request; every failure ends in an answer, never in an unhandled rejection. */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ctx: WebhookContext,
  maxBodyBytes: number,
): Promise<void> {
  const handler = WEBHOOK_ROUTES[path];
  if (handler === undefined) return sendText(res, 404, `no webhook at ${path}`);
  if (req.method !== "POST") return sendText(res, 405, `${path} takes POST only`, { Allow: "POST" });
  const body = await readBody(req, maxBodyBytes);
  if (body === "aborted") return;
  if (body === "too-large") {
    return sendText(
      res,
      413,
      `the AdmissionReview is larger than ${maxBodyBytes} bytes, the webhook's limit`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (error) {
    return sendText(res, 400, `MalformedRequest: the body is not JSON (${(error as Error).message}).`);
  }
  const parsed = parseAdmissionReview(json);
  if (!parsed.ok) return answerMalformed(res, json, parsed, ctx);
  let response: AdmissionResponse;
  try {
    response = await handler(parsed.request, ctx);
  } catch (error) {
    ctx.log.error({ uid: parsed.request.uid, path, err: error }, "Failed to decide an admission request");
    const denial = deny(
      "InternalError",
      `the webhook failed to decide (${(error as Error).message}); try again.`,
    );
    response = denyResponse(parsed.request.uid, denial);
  }
  sendReview(res, response);
}

/**
 * Starts the admission webhooks over HTTPS on `address`: the routes of {@link WEBHOOK_ROUTES} (POST only) and
 * `GET /healthz`. It never allows what it could not read, answers 413 for bodies over the limit, reloads its
 * certificate when the files change, and keeps serving whatever a single request does.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const ctx: WebhookContext = {
    audit: options.audit,
    lookupEnvironment: options.lookupEnvironment,
    ...(options.lookupDeliveryLabels === undefined
      ? {}
      : { lookupDeliveryLabels: options.lookupDeliveryLabels }),
    ...(options.lookupNamespaceLabels === undefined
      ? {}
      : { lookupNamespaceLabels: options.lookupNamespaceLabels }),
    ...(options.lookupReleaseChangeType === undefined
      ? {}
      : { lookupReleaseChangeType: options.lookupReleaseChangeType }),
    ...(options.lookupReleaseUid === undefined ? {} : { lookupReleaseUid: options.lookupReleaseUid }),
    ...(options.lookupChangeDeclarers === undefined
      ? {}
      : { lookupChangeDeclarers: options.lookupChangeDeclarers }),
    ...(options.lookupReleases === undefined ? {} : { lookupReleases: options.lookupReleases }),
    ...(options.mayUpdateEnvironments === undefined
      ? {}
      : { mayUpdateEnvironments: options.mayUpdateEnvironments }),
    ...(options.lookupWorkflowTemplate === undefined
      ? {}
      : { lookupWorkflowTemplate: options.lookupWorkflowTemplate }),
    ...(options.lookupTeamRoleBindings === undefined
      ? {}
      : { lookupTeamRoleBindings: options.lookupTeamRoleBindings }),
    log: options.log,
    creatorSeal: options.creatorSeal,
    rollbackSeal: options.rollbackSeal,
    get operatorUsername(): string | undefined {
      const known = options.operatorUsername;
      return typeof known === "function" ? known() : known;
    },
    now: options.clock ?? (() => new Date()),
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return startHttpsServer({
    ...options,
    handle: (req, res, path) => serve(req, res, path, ctx, maxBodyBytes),
    answerFailure: (res) => sendText(res, 500, "the webhook failed to answer"),
    messages: {
      requestFailed: "Failed to answer a webhook request",
      serverFailed: "The webhook server failed",
    },
  });
}
