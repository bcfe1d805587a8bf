import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import type { AuditRecorder } from "../audit/recorder.js";
import { readBody, sendText } from "../runtime/http-body.js";
import { parseAddress } from "../runtime/http-server.js";
import type { Logger } from "../runtime/logging.js";
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
import { loadServingCertificate, watchServingCertificate } from "./serving-certificate.js";
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
};

/** How to start the webhook server. */
export interface WebhookServerOptions {
  /** `host:port`; port 0 picks a free one (see {@link WebhookServer.port}). */
  address: string;
  certFile: string;
  keyFile: string;
  audit: AuditRecorder;
  lookupEnvironment: (name: string) => Promise<EnvironmentSpec | undefined>;
  log: Logger;
  clock?: () => Date;
  maxBodyBytes?: number;
  /** How often the certificate files are checked for rotation. Default 10 s. */
  certReloadIntervalMs?: number;
}

/** A running webhook server. */
export interface WebhookServer {
  port: number;
  /** Stops accepting, closes open connections and stops watching the certificate. */
  close(): Promise<void>;
}

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
async function serve(req: IncomingMessage, res: ServerResponse, ctx: WebhookContext, maxBodyBytes: number) {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (path === "/healthz") {
    if (req.method === "GET") sendText(res, 200, "ok");
    else sendText(res, 405, "use GET", { Allow: "GET" });
    return;
  }
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
 * Starts the admission webhooks over HTTPS on `address`: the four routes of {@link WEBHOOK_ROUTES} (POST only) and
 * `GET /healthz`. It never allows what it could not read, answers 413 for bodies over the limit, reloads its
 * certificate when the files change, and keeps serving whatever a single request does.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { host, port } = parseAddress(options.address);
  const files = { certFile: options.certFile, keyFile: options.keyFile };
  const ctx: WebhookContext = {
    audit: options.audit,
    lookupEnvironment: options.lookupEnvironment,
    log: options.log,
    now: options.clock ?? (() => new Date()),
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = https.createServer({
    ...(await loadServingCertificate(files)),
    minVersion: "TLSv1.2",
    requestTimeout: 30_000,
    headersTimeout: 10_000,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res, ctx, maxBodyBytes).catch((error: unknown) => {
      ctx.log.error({ url: req.url, err: error }, "Failed to answer a webhook request");
      if (!res.headersSent) sendText(res, 500, "the webhook failed to answer");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => ctx.log.error({ err: error }, "The webhook server failed"));
  const watch = watchServingCertificate(server, files, {
    intervalMs: options.certReloadIntervalMs ?? 10_000,
    log: options.log,
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      watch.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
