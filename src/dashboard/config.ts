import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseDuration } from "../runtime/duration.js";
import { parseAddress } from "../runtime/http-server.js";

/** A flag the dashboard cannot start with; the message names the flag and the fix. */
export class DashboardConfigError extends Error {
  override readonly name = "DashboardConfigError";
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/;

/** One other cluster as the flags give it (ADR 0057). */
export interface ClusterFlag {
  name: string;
  kubeconfig: string;
  sameToken: boolean;
  namespaces?: string[];
  /** That cluster's own operator's audit feed (`--cluster-audit-feed`), for its releases' retrospectives. */
  auditFeed?: { url: string; caFile?: string };
}

/** Splits `NAME=VALUE`; undefined when the name is not a cluster name or the value is empty. */
function namedValue(flag: string): { name: string; value: string } | undefined {
  const at = flag.indexOf("=");
  const name = at < 0 ? "" : flag.slice(0, at);
  const value = at < 0 ? "" : flag.slice(at + 1);
  return CLUSTER_NAME.test(name) && value !== "" ? { name, value } : undefined;
}

/** Why `value` is not an audit feed's https origin (as `--audit-feed-url` must be); undefined when it is one. */
function feedOriginProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:") return "must be an https:// URL";
  if (url.username !== "" || url.password !== "") return "must carry no user or password";
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") return "must name only the feed's origin";
  return undefined;
}

/**
 * The repeated `--cluster-audit-feed NAME=URL` and `--cluster-audit-feed-ca NAME=FILE` flags onto the clusters they
 * name: each an https origin (as `--audit-feed-url`), each cluster's feed given once, a CA only for a cluster with a
 * feed. A malformed flag names itself and the fix.
 */
function addClusterFeeds(
  byName: ReadonlyMap<string, ClusterFlag>,
  feeds: readonly string[],
  cas: readonly string[],
): void {
  const example = "--cluster-audit-feed eu-west=https://stagegate-audit-feed.eu-west.example:9445";
  for (const flag of feeds) {
    const parsed = namedValue(flag);
    if (parsed === undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed ${JSON.stringify(flag)} is not NAME=URL; write for example ${example}.`,
      );
    }
    const cluster = byName.get(parsed.name);
    if (cluster === undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed names "${parsed.name}", which no --cluster NAME=KUBECONFIG configures; add that flag or drop this one.`,
      );
    }
    const problem = feedOriginProblem(parsed.value);
    if (problem !== undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed ${parsed.name}=${JSON.stringify(parsed.value)} ${problem}; give the origin of that ` +
          `cluster's operator's audit feed, for example ${example}.`,
      );
    }
    if (cluster.auditFeed !== undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed ${parsed.name}=... is given twice; give each cluster one feed.`,
      );
    }
    cluster.auditFeed = { url: parsed.value };
  }
  for (const flag of cas) {
    const parsed = namedValue(flag);
    if (parsed === undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed-ca ${JSON.stringify(flag)} is not NAME=FILE; write for example ` +
          "--cluster-audit-feed-ca eu-west=/etc/stagegate/clusters/eu-west-feed-ca.crt.",
      );
    }
    const feed = byName.get(parsed.name)?.auditFeed;
    if (feed === undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed-ca ${parsed.name}=... needs --cluster-audit-feed ${parsed.name}=URL (the feed it is the CA of).`,
      );
    }
    if (feed.caFile !== undefined) {
      throw new DashboardConfigError(
        `--cluster-audit-feed-ca ${parsed.name}=... is given twice; give each cluster's feed one CA.`,
      );
    }
    feed.caFile = parsed.value;
  }
}

/**
 * The repeated `--cluster NAME=KUBECONFIG` and `--cluster-namespaces NAME=A,B` flags and `--cluster-same-token
 * NAMES` (ADR 0057): each cluster named once, none the home cluster's, every other flag naming a configured one. A
 * malformed flag names itself and the fix.
 */
export function parseClusterFlags(flags: {
  clusters: readonly string[];
  namespaces: readonly string[];
  sameToken: readonly string[];
  home: string;
  auditFeeds?: readonly string[];
  auditFeedCas?: readonly string[];
}): ClusterFlag[] {
  const clusters: ClusterFlag[] = flags.clusters.map((flag) => {
    const parsed = namedValue(flag);
    if (parsed === undefined) {
      throw new DashboardConfigError(
        `--cluster ${JSON.stringify(flag)} is not NAME=KUBECONFIG; write for example --cluster ` +
          'eu-west=/etc/stagegate/clusters/eu-west.kubeconfig (NAME: lower-case letters, digits and "-", at most 32).',
      );
    }
    if (parsed.name === flags.home) {
      throw new DashboardConfigError(
        `--cluster ${parsed.name}=... names the home cluster (--home-cluster ${flags.home}); give the other cluster another name.`,
      );
    }
    return { name: parsed.name, kubeconfig: parsed.value, sameToken: flags.sameToken.includes(parsed.name) };
  });
  const byName = new Map<string, ClusterFlag>();
  for (const cluster of clusters) {
    if (byName.has(cluster.name)) {
      throw new DashboardConfigError(`--cluster ${cluster.name}=... is given twice; name each cluster once.`);
    }
    byName.set(cluster.name, cluster);
  }
  const unknown = flags.sameToken.find((name) => !byName.has(name));
  if (unknown !== undefined) {
    throw new DashboardConfigError(
      `--cluster-same-token names "${unknown}", which no --cluster NAME=KUBECONFIG configures; add that flag or drop the name.`,
    );
  }
  for (const flag of flags.namespaces) {
    const parsed = namedValue(flag);
    const namespaces = (parsed?.value ?? "").split(",").map((n) => n.trim());
    if (parsed === undefined || namespaces.some((n) => !NAMESPACE.test(n))) {
      throw new DashboardConfigError(
        `--cluster-namespaces ${JSON.stringify(flag)} is not NAME=NAMESPACE,NAMESPACE; write for example ` +
          "--cluster-namespaces eu-west=payments,checkout.",
      );
    }
    const cluster = byName.get(parsed.name);
    if (cluster === undefined) {
      throw new DashboardConfigError(
        `--cluster-namespaces names "${parsed.name}", which no --cluster NAME=KUBECONFIG configures; add that flag or drop this one.`,
      );
    }
    cluster.namespaces = [...(cluster.namespaces ?? []), ...namespaces];
  }
  addClusterFeeds(byName, flags.auditFeeds ?? [], flags.auditFeedCas ?? []);
  return clusters;
}

/** The dashboard's configuration, parsed once at start from its flags. */
export const DashboardConfig = z.object({
  kubeconfig: z.string().optional(),
  address: z.string().refine((value) => {
    try {
      parseAddress(value);
      return true;
    } catch {
      return false;
    }
  }, "--address must be host:port, for example :8443"),
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  namespaces: z.array(
    z.string().regex(NAMESPACE, "--namespaces must be namespace names separated by commas"),
  ),
  sessionIdleSeconds: z
    .number()
    .int()
    .min(60, "--session-idle must be at least 1m")
    .max(86_400, "--session-idle must be at most 24h"),
  auditFeed: z
    .object({
      url: z
        .url({ protocol: /^https$/, error: "--audit-feed-url must be an https:// URL" })
        .refine(
          (value) => new URL(value).pathname === "/" && new URL(value).search === "",
          "--audit-feed-url must name only the feed's origin, for example https://stagegate-audit-feed.stagegate-system.svc:9445",
        ),
      caFile: z.string().min(1).optional(),
    })
    .optional(),
  proxy: z
    .object({
      address: z.string().refine((value) => {
        try {
          parseAddress(value);
          return true;
        } catch {
          return false;
        }
      }, "--proxy-address must be host:port, for example :8444"),
      clientCaFile: z
        .string()
        .min(1, "--proxy-address needs --proxy-client-ca (the CA of the proxy's certificate)"),
      allowedNames: z
        .array(z.string().min(1))
        .min(1, "--proxy-address needs --proxy-allowed-names (the proxy certificate's common names)"),
    })
    .optional(),
  tokenRecheckSeconds: z
    .number()
    .int()
    .min(1, "--token-recheck must be at least 1s")
    .max(3_600, "--token-recheck must be at most 1h"),
  homeCluster: z
    .string()
    .regex(CLUSTER_NAME, '--home-cluster must be a cluster name: lower-case letters, digits and "-"'),
  clusters: z.array(
    z.object({
      name: z.string(),
      kubeconfig: z.string(),
      sameToken: z.boolean(),
      namespaces: z.array(z.string()).optional(),
      auditFeed: z.object({ url: z.string(), caFile: z.string().optional() }).optional(),
    }),
  ),
  logLevel: z.enum(["debug", "info", "warn", "error"], {
    error: "--log-level must be debug, info, warn or error",
  }),
});
export type DashboardConfig = z.infer<typeof DashboardConfig>;

/** The flags of `stagegate-dashboard`, for --help. */
export function dashboardHelp(): string {
  return [
    "Usage: stagegate-dashboard [flags]",
    "",
    "Serves the Stagegate operations dashboard over HTTPS. Users sign in with a bearer token; everything is then",
    "read and done with that token, as them. The dashboard's own identity only creates TokenReviews.",
    "",
    "  --kubeconfig FILE     the dashboard's own kubeconfig (in-cluster when absent)",
    "  --address HOST:PORT   where to serve (default :8443)",
    "  --cert-dir DIR        directory holding tls.crt and tls.key (default /tmp/k8s-dashboard-certs)",
    "  --namespaces A,B      namespaces to show to users who may not list every namespace",
    "  --session-idle DUR    idle time after which a session ends (default 15m)",
    "  --audit-feed-url URL  the operator's audit feed (https://HOST:PORT), read as each user for retrospectives",
    "  --audit-feed-ca FILE  the CA (PEM) that signed the feed's serving certificate (default: the system's)",
    "  --proxy-address HOST:PORT  also serve an authenticating proxy here, over mutual TLS (ADR 0043)",
    "  --proxy-client-ca FILE     the CA (PEM) that signs the proxy's client certificate",
    "  --proxy-allowed-names A,B  the common names a proxy certificate may have",
    "  --home-cluster NAME   what pages call the cluster people sign in to (default home)",
    "  --cluster NAME=FILE   also show another cluster, its API server address and CA from FILE (no credentials",
    "                        are read from it); repeat for more clusters (ADR 0057)",
    "  --cluster-namespaces NAME=A,B  that cluster's namespaces for people who may not list every namespace",
    "                        (default: --namespaces)",
    "  --cluster-audit-feed NAME=URL  that cluster's operator's audit feed (https://HOST:PORT), read with the",
    "                        token that cluster accepted, for its releases' retrospectives",
    "  --cluster-audit-feed-ca NAME=FILE  the CA (PEM) of that feed's serving certificate (default: the system's)",
    "  --cluster-same-token A,B  try a person's sign-in token on these clusters too (same OIDC issuer)",
    "  --token-recheck DUR   how often open sessions' tokens are reviewed again (default 1m)",
    "  --log-level LEVEL     debug, info, warn or error (default info)",
  ].join("\n");
}

/** Parses the flags once; an unknown or malformed flag is a {@link DashboardConfigError} naming it. */
export function parseDashboardConfig(argv: readonly string[]): DashboardConfig {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        address: { type: "string", default: ":8443" },
        "cert-dir": { type: "string", default: "/tmp/k8s-dashboard-certs" },
        namespaces: { type: "string", default: "" },
        "session-idle": { type: "string", default: "15m" },
        "token-recheck": { type: "string", default: "1m" },
        "audit-feed-url": { type: "string" },
        "audit-feed-ca": { type: "string" },
        "proxy-address": { type: "string" },
        "proxy-client-ca": { type: "string" },
        "proxy-allowed-names": { type: "string" },
        "log-level": { type: "string", default: "info" },
        "home-cluster": { type: "string", default: "home" },
        cluster: { type: "string", multiple: true, default: [] },
        "cluster-namespaces": { type: "string", multiple: true, default: [] },
        "cluster-same-token": { type: "string", default: "" },
        "cluster-audit-feed": { type: "string", multiple: true, default: [] },
        "cluster-audit-feed-ca": { type: "string", multiple: true, default: [] },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new DashboardConfigError(`${(error as Error).message}; see --help.`);
  }
  let idleMs: number;
  try {
    idleMs = parseDuration(String(values["session-idle"]));
  } catch {
    throw new DashboardConfigError("--session-idle must be a duration such as 15m or 1h.");
  }
  if (values["audit-feed-ca"] !== undefined && values["audit-feed-url"] === undefined) {
    throw new DashboardConfigError("--audit-feed-ca needs --audit-feed-url (the feed it is the CA of).");
  }
  const proxyFlags = ["proxy-client-ca", "proxy-allowed-names"].filter((flag) => values[flag] !== undefined);
  if (values["proxy-address"] === undefined && proxyFlags.length > 0) {
    throw new DashboardConfigError(
      `--${proxyFlags[0] ?? ""} needs --proxy-address (where the proxy connects).`,
    );
  }
  let recheckMs: number;
  try {
    recheckMs = parseDuration(String(values["token-recheck"]));
  } catch {
    throw new DashboardConfigError("--token-recheck must be a duration such as 1m or 30s.");
  }
  const certDir = String(values["cert-dir"]);
  const homeCluster = String(values["home-cluster"]);
  if (!CLUSTER_NAME.test(homeCluster)) {
    throw new DashboardConfigError(
      `--home-cluster ${JSON.stringify(homeCluster)} is not a cluster name; write lower-case letters, digits and "-", at most 32.`,
    );
  }
  const clusters = parseClusterFlags({
    clusters: (values.cluster as string[] | undefined) ?? [],
    namespaces: (values["cluster-namespaces"] as string[] | undefined) ?? [],
    sameToken: String(values["cluster-same-token"])
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== ""),
    home: homeCluster,
    auditFeeds: (values["cluster-audit-feed"] as string[] | undefined) ?? [],
    auditFeedCas: (values["cluster-audit-feed-ca"] as string[] | undefined) ?? [],
  });
  const parsed = DashboardConfig.safeParse({
    kubeconfig: values.kubeconfig,
    address: values.address,
    certFile: path.join(certDir, "tls.crt"),
    keyFile: path.join(certDir, "tls.key"),
    namespaces: String(values.namespaces)
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== ""),
    sessionIdleSeconds: Math.round(idleMs / 1000),
    tokenRecheckSeconds: Math.round(recheckMs / 1000),
    proxy:
      values["proxy-address"] === undefined
        ? undefined
        : {
            address: values["proxy-address"],
            clientCaFile: values["proxy-client-ca"] ?? "",
            allowedNames: String(values["proxy-allowed-names"] ?? "")
              .split(",")
              .map((n) => n.trim())
              .filter((n) => n !== ""),
          },
    auditFeed:
      values["audit-feed-url"] === undefined
        ? undefined
        : { url: values["audit-feed-url"], caFile: values["audit-feed-ca"] },
    homeCluster,
    clusters,
    logLevel: values["log-level"],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DashboardConfigError(issue?.message ?? "invalid flags; see --help.");
  }
  return parsed.data;
}
