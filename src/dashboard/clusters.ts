import { readFileSync } from "node:fs";
import type https from "node:https";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { KubeCredentials } from "../runtime/kube/kube-credentials.js";
import { DashboardConfigError } from "./config.js";
import type { FeedEndpoint } from "./feed-client.js";

/**
 * Another cluster the dashboard shows (ADR 0057): its name as pages and forms say it, where its API server is (its
 * address, CA and TLS server name only: a kubeconfig's credentials are never read), and whether a person's sign-in
 * token is tried there too (`sameToken`, opt-in, for clusters that accept the same OIDC issuer).
 */
export interface ClusterEndpoint {
  name: string;
  /** The API server's address and CA, with no credentials: {@link bearerCredentials} adds a person's token. */
  server: KubeCredentials;
  sameToken: boolean;
  /** Where to look on this cluster for a person who may not list every namespace (`--cluster-namespaces`). */
  namespaces?: readonly string[];
  /**
   * That cluster's own operator's audit feed (`--cluster-audit-feed`), read with the token that cluster accepted for
   * its releases' retrospectives; none: the dashboard shows no retrospective for its releases.
   */
  auditFeed?: FeedEndpoint;
}

/** The clusters of one dashboard: the home cluster (sign-in, TokenReview) by name, and the others in flag order. */
export interface ClusterDirectory {
  home: string;
  extra: readonly ClusterEndpoint[];
}

/** Whether a dashboard shows more than its home cluster (pages then name every row's cluster). */
export const isMultiCluster = (clusters: ClusterDirectory | undefined): boolean =>
  clusters !== undefined && clusters.extra.length > 0;

const KubeconfigCluster = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

function named(list: unknown, name: string | undefined): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const entries = list.map(KubeconfigCluster);
  const found = name === undefined ? entries[0] : entries.find((entry) => entry.name === name);
  return found;
}

/**
 * Reads where cluster `name`'s API server is from `file` (the current context's cluster, else the file's only
 * cluster): `server` (https only), `certificate-authority` or `certificate-authority-data`, `tls-server-name`. Users,
 * tokens, certificates and exec plugins in the file are ignored. A file that cannot give an https server with
 * verified TLS is a {@link DashboardConfigError} naming the flag and the fix.
 */
export function readClusterEndpoint(name: string, file: string, sameToken: boolean): ClusterEndpoint {
  const flag = `--cluster ${name}=${file}`;
  let config: Record<string, unknown>;
  try {
    config = KubeconfigCluster(parseYaml(readFileSync(file, "utf8")));
  } catch (error) {
    throw new DashboardConfigError(`${flag}: the kubeconfig cannot be read: ${(error as Error).message}`);
  }
  const currentContext =
    typeof config["current-context"] === "string" ? config["current-context"] : undefined;
  const context = currentContext === undefined ? undefined : named(config.contexts, currentContext);
  const contextCluster = KubeconfigCluster(context?.context).cluster;
  const clusters = Array.isArray(config.clusters) ? config.clusters : [];
  if (typeof contextCluster !== "string" && clusters.length !== 1) {
    throw new DashboardConfigError(
      `${flag}: the kubeconfig names no current context and ${String(clusters.length)} clusters; give it a current-context or exactly one cluster.`,
    );
  }
  const entry = named(clusters, typeof contextCluster === "string" ? contextCluster : undefined);
  const cluster = KubeconfigCluster(entry?.cluster);
  const server = cluster.server;
  if (typeof server !== "string" || !server.startsWith("https://")) {
    throw new DashboardConfigError(
      `${flag}: the cluster's server must be an https:// address (found ${JSON.stringify(server ?? null)}).`,
    );
  }
  if (cluster["insecure-skip-tls-verify"] === true) {
    throw new DashboardConfigError(
      `${flag}: insecure-skip-tls-verify is set; people's tokens are sent to this server, so give its CA ` +
        "(certificate-authority or certificate-authority-data) instead.",
    );
  }
  let ca: Buffer | undefined;
  const caFile = cluster["certificate-authority"];
  const caData = cluster["certificate-authority-data"];
  try {
    if (typeof caData === "string") ca = Buffer.from(caData, "base64");
    else if (typeof caFile === "string") ca = readFileSync(path.resolve(path.dirname(file), caFile));
  } catch (error) {
    throw new DashboardConfigError(`${flag}: the cluster's CA cannot be read: ${(error as Error).message}`);
  }
  const servername = typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined;
  return {
    name,
    sameToken,
    server: {
      getCurrentCluster: () => ({ server }),
      applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
        if (ca !== undefined) opts.ca = ca;
        if (servername !== undefined) opts.servername = servername;
        return Promise.resolve();
      },
    },
  };
}
