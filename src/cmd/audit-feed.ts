import { ChainVerifier } from "../audit/feed/chain-status.js";
import { fileFeedSource } from "../audit/feed/file-source.js";
import { RECORDS_PATH } from "../audit/feed/openapi.js";
import { feedHandler, sendProblem } from "../audit/feed/route.js";
import type { FeedSource } from "../audit/feed/source.js";
import { startHttpsServer, type RunningHttpsServer } from "../runtime/https-server.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import { apiServerAuthorizer, type EndpointPermission } from "../runtime/metrics-authorization.js";
import type { ServingCertificateSource } from "../runtime/serving-certificate.js";
import { auditDatabaseConnection } from "./audit-store.js";
import { ConfigError, type RunConfig } from "./config.js";

/**
 * What a caller of the feed must be allowed: list on the virtual resource auditrecords.stagegate.io (no CRD; RBAC
 * grants it like any resource, and the shipped ClusterRole stagegate-auditor does).
 */
export const AUDIT_RECORDS_PERMISSION: EndpointPermission = {
  attributes: { resourceAttributes: { group: "stagegate.io", resource: "auditrecords", verb: "list" } },
  action: "list auditrecords.stagegate.io",
  role: "stagegate-auditor",
};

/** A running feed server. */
export interface RunningAuditFeed {
  port: number;
  close(): Promise<void>;
}

/** The record the feed reads: the shared database when configured, else this replica's own trail file. */
export async function openFeedSource(
  config: Pick<RunConfig, "auditLog" | "auditDatabaseUrl" | "auditDatabasePasswordFile">,
): Promise<FeedSource> {
  if (config.auditDatabaseUrl !== undefined) {
    const { postgresFeedSource } = await import("../audit/feed/postgres-source.js");
    return postgresFeedSource(auditDatabaseConnection(config));
  }
  return fileFeedSource(config.auditLog);
}

/**
 * Serves the GRC feed on `--audit-feed-bind-address` over HTTPS with the operator's serving certificate, on every
 * replica (it only reads). Returns undefined when the address is 0 (the default: the feed is off).
 */
export async function startAuditFeed(
  config: RunConfig,
  deps: { client: KubeClient; log: Logger; certificates: ServingCertificateSource },
): Promise<RunningAuditFeed | undefined> {
  if (config.auditFeedAddress === "0") return undefined;
  const source = await openFeedSource(config);
  let server: RunningHttpsServer;
  try {
    server = await startHttpsServer({
      address: config.auditFeedAddress,
      certificates: deps.certificates,
      log: deps.log,
      handle: feedHandler({
        authorizer: apiServerAuthorizer(deps.client.transport, AUDIT_RECORDS_PERMISSION),
        source,
        verifier: new ChainVerifier(source),
        log: deps.log,
      }),
      answerFailure: (res) =>
        sendProblem(res, 500, "InternalError", "the feed failed to answer; see its log"),
      messages: {
        requestFailed: "Failed to answer an audit feed request",
        serverFailed: "The audit feed server failed",
      },
    });
  } catch (err) {
    await source.close();
    throw new ConfigError(
      `cannot serve the audit feed on ${config.auditFeedAddress}: ${(err as Error).message}. Pass ` +
        "--audit-feed-bind-address=0 to run without it.",
    );
  }
  deps.log.info(
    { auditFeedPort: server.port, source: source.name, path: RECORDS_PATH },
    "Serving the audit feed",
  );
  return {
    port: server.port,
    async close() {
      await server.close();
      await source.close();
    },
  };
}
