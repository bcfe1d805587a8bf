#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { DashboardConfigError, dashboardHelp, parseDashboardConfig } from "../dashboard/config.js";
import type { FeedEndpoint } from "../dashboard/feed-client.js";
import { readClusterEndpoint } from "../dashboard/clusters.js";
import { startDashboard } from "../dashboard/server.js";
import { KubeClient } from "../runtime/kube/client.js";
import { leanKubeCredentials } from "../runtime/kube/kube-credentials.js";
import { createLogger } from "../runtime/logging.js";

/** The audit feed's endpoint from the flags: its origin and the CA read once at start. */
function feedEndpoint(
  feed: { url: string; caFile?: string | undefined },
  caFlag = "--audit-feed-ca ",
): FeedEndpoint {
  let caPem: string | undefined;
  if (feed.caFile !== undefined) {
    try {
      caPem = readFileSync(feed.caFile, "utf8");
    } catch (error) {
      throw new DashboardConfigError(`${caFlag}${feed.caFile} cannot be read: ${(error as Error).message}`);
    }
  }
  return { url: new URL(feed.url).origin, caPem };
}

/**
 * `stagegate-dashboard`: the operations dashboard as its own process (ADR 0040). It holds no operator rights: its
 * own identity only reviews sign-in tokens; everything else is done with each user's token.
 */
async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${dashboardHelp()}\n`);
    return;
  }
  const config = parseDashboardConfig(argv);
  const log = createLogger(config.logLevel);
  const credentials = leanKubeCredentials(config.kubeconfig);
  if (credentials === undefined) {
    throw new DashboardConfigError(
      "the dashboard's kubeconfig must use a token, token file or client certificate (in-cluster: its ServiceAccount).",
    );
  }
  // Each other cluster's address and CA, read once at start (never credentials): a bad file stops the start.
  const clusters = {
    home: config.homeCluster,
    extra: config.clusters.map((c) => ({
      ...readClusterEndpoint(c.name, c.kubeconfig, c.sameToken),
      ...(c.namespaces === undefined ? {} : { namespaces: c.namespaces }),
      ...(c.auditFeed === undefined
        ? {}
        : { auditFeed: feedEndpoint(c.auditFeed, `--cluster-audit-feed-ca ${c.name}=`) }),
    })),
  };
  const own = KubeClient.fromKubeConfig(credentials);
  const dashboard = await startDashboard({
    address: config.address,
    certFile: config.certFile,
    keyFile: config.keyFile,
    apiServer: credentials,
    reviews: own.transport,
    fallbackNamespaces: config.namespaces,
    sessionIdleSeconds: config.sessionIdleSeconds,
    clusters,
    tokenRecheckSeconds: config.tokenRecheckSeconds,
    ...(config.proxy === undefined ? {} : { proxy: config.proxy }),
    ...(config.auditFeed === undefined ? {} : { auditFeed: feedEndpoint(config.auditFeed) }),
    log,
  });
  log.info(
    {
      port: dashboard.port,
      proxyPort: dashboard.proxyPort,
      clusters: [clusters.home, ...clusters.extra.map((c) => c.name)],
    },
    "Started the dashboard",
  );
  const stop = (): void => {
    log.info({}, "Stopping the dashboard");
    dashboard.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof DashboardConfigError) {
    process.stderr.write(`stagegate-dashboard: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`stagegate-dashboard: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
