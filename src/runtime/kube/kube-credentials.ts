import { readFileSync, accessSync } from "node:fs";
import type http from "node:http";
import type https from "node:https";
import net from "node:net";
import path from "node:path";
import { parse as parseYaml } from "yaml";
// The parts of client-node that load no generated API model: its own kubeconfig entry parsing and token file
// authenticator. Its package entry (and its config module) import all ~1,900 generated API modules, about 60 MB
// of resident memory the operator never uses (ADR 0034).
import {
  newClusters,
  newContexts,
  newUsers,
  type Cluster,
  type Context,
  type User,
} from "@kubernetes/client-node/dist/config_types.js";
import { FileAuth } from "@kubernetes/client-node/dist/file_auth.js";
import { FileMaterialCache, type FileMaterialOptions } from "./file-material.js";

/** What the transport needs of a kubeconfig: the server, and each request's TLS material and headers. */
export interface KubeCredentials {
  /** The current context's cluster; null without one. */
  getCurrentCluster(): { readonly server: string } | null;
  /** Fills TLS options, `headers` and `auth` for one request, as client-node's `KubeConfig` does. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

const SERVICEACCOUNT_ROOT = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * A kubeconfig read with client-node's own entry parsing and applied to requests exactly as its `KubeConfig`
 * applies it, for the credentials that need no authenticator module: client certificates, bearer tokens, basic
 * auth, impersonation and token files (the in-cluster service account). Anything else (exec plugins, auth
 * providers, proxies) is left to client-node itself: see {@link leanKubeCredentials}.
 */
class LeanKubeConfig implements KubeCredentials {
  private readonly fileAuth = new FileAuth();
  /** The certificate, key and CA files, read again only when they change (issue 12). */
  private readonly material: FileMaterialCache;

  constructor(
    private readonly clusters: Cluster[],
    private readonly users: User[],
    private readonly contexts: Context[],
    private readonly currentContext: string | undefined,
    material: FileMaterialOptions,
  ) {
    this.material = new FileMaterialCache(material);
  }

  getCurrentCluster(): Cluster | null {
    const context = this.currentContextObject();
    return context === null ? null : findObject(this.clusters, context.cluster, "cluster");
  }

  getCurrentUser(): User | null {
    const context = this.currentContextObject();
    return context === null ? null : findObject(this.users, context.user, "user");
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const user = this.getCurrentUser();
    const cluster = this.getCurrentCluster();
    if (user !== null) {
      this.applyHTTPSOptions(opts, cluster, user);
      const headers = headersOf(opts);
      if (this.fileAuth.isAuthProvider(user)) await this.fileAuth.applyAuthentication(user, opts);
      if (user.token) headers.Authorization = `Bearer ${user.token}`;
      if (user.username) opts.auth = `${user.username}:${user.password}`;
    }
    // client-node refuses this when it builds the request's agent (which the transport builds itself).
    if (cluster?.server.startsWith("http:") === true && !cluster.skipTLSVerify) {
      throw new Error("HTTP protocol is not allowed when skipTLSVerify is not set or false");
    }
  }

  private applyHTTPSOptions(opts: https.RequestOptions, cluster: Cluster | null, user: User): void {
    if (cluster?.skipTLSVerify === true) opts.rejectUnauthorized = false;
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster === null ? null : this.material.fromFileOrData(cluster.caFile, cluster.caData);
    if (ca) opts.ca = ca;
    const cert = this.material.fromFileOrData(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = this.material.fromFileOrData(user.keyFile, user.keyData);
    if (key) opts.key = key;
    if (user.impersonateUser != null) headersOf(opts)["Impersonate-User"] = user.impersonateUser;
  }

  private currentContextObject(): Context | null {
    return this.currentContext === undefined
      ? null
      : findObject(this.contexts, this.currentContext, "context");
  }
}

/**
 * The kubeconfig (files joined by the path delimiter, the first winning, as kubectl merges them; in-cluster
 * credentials when none is given) as lean credentials, or undefined when client-node itself must load it: a user
 * with an exec plugin or an auth provider other than a token file, a proxy, or any error (client-node then
 * reports it in its own words).
 */
export function leanKubeCredentials(
  kubeconfig?: string,
  material: FileMaterialOptions = {},
): KubeCredentials | undefined {
  try {
    const files = (kubeconfig ?? "").split(path.delimiter).filter((f) => f !== "");
    const config = files.length === 0 ? inCluster() : files.map(fromFile).reduce(merged);
    const lean = new LeanKubeConfig(
      config.clusters,
      config.users,
      config.contexts,
      config.currentContext,
      material,
    );
    return needsClientNode(lean.getCurrentUser(), lean.getCurrentCluster()) ? undefined : lean;
  } catch {
    return undefined;
  }
}

interface LoadedConfig {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string | undefined;
}

/** Whether an authenticator module or a proxy agent of client-node is needed (checked as client-node orders them). */
function needsClientNode(user: User | null, cluster: Cluster | null): boolean {
  if (cluster?.proxyUrl) return true;
  if (user === null) return false;
  if (user.exec) return true;
  const provider = user.authProvider as { name?: unknown; config?: Record<string, unknown> } | undefined;
  if (!provider) return false;
  if (["azure", "gcp", "exec", "oidc"].includes(String(provider.name)) || provider.config?.exec) return true;
  // Any other provider is applied only through a token file (FileAuth), or not at all.
  return false;
}

/** `KubeConfig.loadFromFile`: the entries parsed by client-node, relative file paths resolved from the file. */
function fromFile(file: string): LoadedConfig {
  const root = path.dirname(file);
  const obj = parseYaml(readFileSync(file).toString("utf-8")) as Record<string, unknown>;
  const clusters = newClusters(obj.clusters).map((c) =>
    c.caFile ? { ...c, caFile: absolute(root, c.caFile) } : c,
  );
  const users = newUsers(obj.users).map((u) => ({
    ...u,
    ...(u.certFile ? { certFile: absolute(root, u.certFile) } : {}),
    ...(u.keyFile ? { keyFile: absolute(root, u.keyFile) } : {}),
  }));
  const current = obj["current-context"];
  return {
    clusters,
    users,
    contexts: newContexts(obj.contexts),
    currentContext: typeof current === "string" ? current : undefined,
  };
}

/** `KubeConfig.mergeConfig(more, true)`: the first file's current context; a name defined twice is an error. */
function merged(first: LoadedConfig, more: LoadedConfig): LoadedConfig {
  const add = <T extends { name: string }>(into: T[], items: T[], what: string): T[] => {
    const all = [...into];
    for (const item of items) {
      if (all.some((existing) => existing.name === item.name)) {
        throw new Error(`Duplicate ${what}: ${item.name}`);
      }
      all.push(item);
    }
    return all;
  };
  return {
    clusters: add(first.clusters, more.clusters, "cluster"),
    users: add(first.users, more.users, "user"),
    contexts: add(first.contexts, more.contexts, "context"),
    currentContext: first.currentContext,
  };
}

/** `KubeConfig.loadFromCluster()`: the pod's service account, its token re-read as client-node re-reads it. */
function inCluster(): LoadedConfig {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  const scheme = port === "80" || port === "8080" || port === "8001" ? "http" : "https";
  const serverHost = host !== undefined && net.isIPv6(host) ? `[${host}]` : host;
  const namespaceFile = `${SERVICEACCOUNT_ROOT}/namespace`;
  let namespace: string | undefined;
  if (fileExists(namespaceFile)) namespace = readFileSync(namespaceFile).toString("utf-8");
  return {
    clusters: [
      {
        name: "inCluster",
        caFile: `${SERVICEACCOUNT_ROOT}/ca.crt`,
        server: `${scheme}://${serverHost}:${port}`,
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: "inClusterUser",
        authProvider: { name: "tokenFile", config: { tokenFile: `${SERVICEACCOUNT_ROOT}/token` } },
      },
    ],
    contexts: [{ cluster: "inCluster", name: "inClusterContext", user: "inClusterUser", namespace }],
    currentContext: "inClusterContext",
  };
}

/** The request's header object (client-node fills only an object, never a raw header list), made when missing. */
function headersOf(opts: https.RequestOptions): http.OutgoingHttpHeaders {
  if (opts.headers === undefined || Array.isArray(opts.headers)) opts.headers = {};
  return opts.headers as http.OutgoingHttpHeaders;
}

function fileExists(file: string): boolean {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
}

function absolute(root: string, file: string): string {
  return !root || path.isAbsolute(file) ? file : path.join(root, file);
}

/** client-node's `findObject`: the named entry's inner object (named), or the entry itself. */
function findObject<T extends { name: string }>(list: T[], name: string, key: string): T | null {
  for (const obj of list) {
    if (obj.name !== name) continue;
    const inner = (obj as Record<string, unknown>)[key];
    if (inner) {
      (inner as { name: string }).name = name;
      return inner as T;
    }
    return obj;
  }
  return null;
}
