// The world of the dashboard's browser tests: people as ServiceAccounts with their own tokens and RBAC (a least
// privileged viewer, an approver, a commit author), releases in two team namespaces, open changes with Approvals
// decided through the shipped admission webhooks, the dashboard as its own process, and one headless Chromium.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import { parse as parseYaml, stringify } from "yaml";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin, type ResourceType } from "../../src/runtime/kube/resource.js";
import { createCertificateAuthority, issueClientCert } from "../../hack/local-cluster/certs.js";
import { TEST_BUILD_ENV, commandArgs } from "../../hack/test-build.js";
import {
  createWebhookTls,
  writeOperatorCertDir,
  type WebhookTls,
} from "../../hack/local-cluster/webhook-tls.js";
import { kubeconfigPath } from "../support/cluster.js";
import { coreResources } from "../support/core-resources.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { MemoryAudit } from "../support/memory-audit.js";
import { serveCartFeed, type DashboardFeed } from "./dashboard-feed.js";
import { paste } from "./dashboard-pages.js";
import { serveWebhooksFor, type NamespaceWebhooks } from "../support/namespace-webhooks.js";
import { releaseSpec } from "../support/release-world.js";
import { requestToken } from "../support/service-account-token.js";

const { clusterRole, clusterRoleBinding, roleBinding } = coreResources;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const role: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "roles",
  kind: "Role",
  namespaced: true,
};

/** The people of the story, each a ServiceAccount signing in with its own token. */
export type Person = "viewer" | "approver" | "author" | "manager";

/** Everything the tests use. */
export interface DashboardWorld {
  admin: KubeClient;
  /** The team namespace: the shop's releases and changes, with the shipped admission webhooks. */
  team: string;
  /** Another team's namespace: only the viewer and the approver may read it. */
  other: string;
  /** Where the people's ServiceAccounts live. */
  people: string;
  tokens: Record<Person, string>;
  usernames: Record<Person, string>;
  url: string;
  browser: Browser;
  audit: MemoryAudit;
  /** The operator's audit feed over a real trail holding cart-1's story; the approver may read it. */
  feed: DashboardFeed;
  dashboardLog: () => string;
  /** The dashboard's listener for the authenticating proxy (mutual TLS), the CA of its serving certificate, and
   * client certificates: the proxy's, one of the same CA with a name not allowed, one of another CA. */
  proxy: { url: string; servingCaPem: string; certs: Record<"proxy" | "intruder" | "foreign", ClientPair> };
  /** A fresh browser context (its own cookies) signed in as `who`, on the board. */
  signedIn(who: Person): Promise<{ context: BrowserContext; page: Page }>;
  /** The same with any token the API server accepts (for people a test makes itself). */
  signedInWith(token: string): Promise<{ context: BrowserContext; page: Page }>;
  stop(): Promise<void>;
}

/** A client certificate and its key, PEM. */
export interface ClientPair {
  cert: Buffer;
  key: Buffer;
}

/** The common name the dashboard accepts from its authenticating proxy in these tests. */
export const PROXY_NAME = "stagegate-dashboard-proxy";

/** A CA of the proxy, certificates it issued (the proxy's and an intruder's) and one from another CA. */
async function proxyCertificates(
  dir: string,
): Promise<{ caFile: string; certs: Record<"proxy" | "intruder" | "foreign", ClientPair> }> {
  const own = path.join(dir, "proxy-ca");
  const foreign = path.join(dir, "foreign-ca");
  await mkdir(own, { recursive: true });
  await mkdir(foreign, { recursive: true });
  const ca = await createCertificateAuthority(own);
  const otherCa = await createCertificateAuthority(foreign);
  const read = async (pair: { certFile: string; keyFile: string }): Promise<ClientPair> => ({
    cert: await readFile(pair.certFile),
    key: await readFile(pair.keyFile),
  });
  return {
    caFile: ca.certFile,
    certs: {
      proxy: await read(await issueClientCert(ca, own, "proxy", { user: PROXY_NAME, groups: [] })),
      intruder: await read(await issueClientCert(ca, own, "intruder", { user: "intruder", groups: [] })),
      foreign: await read(
        await issueClientCert(otherCa, foreign, "foreign", { user: PROXY_NAME, groups: [] }),
      ),
    },
  };
}

/** The changes the tests decide, both in the team namespace. */
export const CHANGES = { shop: "shop-1-prod", billing: "billing-1-prod" } as const;

async function createServiceAccount(admin: KubeClient, namespace: string, name: string): Promise<void> {
  await admin.create(
    coreResources.serviceAccount,
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
    namespace,
  );
}

async function bind(
  admin: KubeClient,
  namespace: string,
  name: string,
  roleRef: { kind: "ClusterRole" | "Role"; name: string },
  subjects: { namespace: string; name: string }[],
): Promise<void> {
  await admin.create(
    roleBinding,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
      subjects: subjects.map((s) => ({ kind: "ServiceAccount", ...s })),
    },
    namespace,
  );
}

async function createRelease(
  admin: KubeClient,
  namespace: string,
  name: string,
  team: string,
  status: Record<string, unknown>,
): Promise<void> {
  await admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: { name, namespace, labels: { "stagegate.io/team": team } },
      spec: releaseSpec({ version: "1.0.0", revision: "a".repeat(40), pipeline: ["dev", "prod"] }),
    },
    namespace,
  );
  await setReleaseStatus(admin, namespace, name, status);
}

/** Records a core/v1 Event about an object, as the operator's event recorder would (`uid` binds it). */
export async function recordEvent(
  admin: KubeClient,
  namespace: string,
  about: { name: string; uid: string },
  reason: string,
  message: string,
): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await admin.create(
    { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true },
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: { generateName: `${about.name}.`, namespace },
      involvedObject: { apiVersion: API_VERSION, kind: "Release", namespace, ...about },
      reason,
      message,
      type: "Normal",
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: "stagegate" },
    },
    namespace,
  );
}

/** Writes a Release's status as the operator would (admin here plays the operator's status writer). */
export async function setReleaseStatus(
  admin: KubeClient,
  namespace: string,
  name: string,
  status: Record<string, unknown>,
): Promise<void> {
  await admin.patch(resources.release, name, namespace, { status }, { type: "merge", subresource: "status" });
}

/** A condition as the operator writes it. */
const operatorCondition = (type: string, reason: string, message: string, at: string) => ({
  type,
  status: "True",
  reason,
  message,
  lastTransitionTime: at,
});

/** Creates a DeploymentTask and writes its status as the operator would (admin plays the status writer). */
async function createTask(
  admin: KubeClient,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
): Promise<void> {
  await admin.create(
    resources.deploymentTask,
    { apiVersion: API_VERSION, kind: "DeploymentTask", metadata: { name, namespace }, spec },
    namespace,
  );
  await admin.patch(
    resources.deploymentTask,
    name,
    namespace,
    { status },
    { type: "merge", subresource: "status" },
  );
}

/** Operator-written facts for the overdue and deployments pages, in both team namespaces. */
async function seedOperations(admin: KubeClient, team: string, other: string): Promise<void> {
  const owners = [{ kind: "Group", name: "sre" }];
  await createTask(
    admin,
    team,
    "smoke-check",
    {
      type: "Checklist",
      title: "Smoke-test checkout in prod",
      owners,
      releaseRef: { name: "cart-1" },
      environment: "prod",
      dueAt: "2026-01-05T09:00:00Z",
    },
    {
      phase: "Ready",
      dueAt: "2026-01-05T09:00:00Z",
      conditions: [
        operatorCondition(
          "Overdue",
          "PastDue",
          "The task was due at 2026-01-05T09:00:00Z and has not succeeded.",
          "2026-01-05T09:00:00Z",
        ),
      ],
    },
  );
  await createTask(
    admin,
    team,
    "uat-signoff",
    { type: "UserAcceptance", title: "UAT sign-off for cart", owners, sla: "72h" },
    {
      phase: "Blocked",
      conditions: [
        operatorCondition(
          "Stalled",
          "InvalidSpec",
          "The Environment's spec.taskSLA: not a duration.",
          "2026-01-04T08:00:00Z",
        ),
      ],
    },
  );
  await createTask(
    admin,
    team,
    "rollback-cart-1-prod",
    {
      type: "Rollback",
      title: "Roll back cart-1 in prod",
      owners,
      releaseRef: { name: "cart-1" },
      environment: "prod",
      alert: {
        name: "CheckoutErrorRate",
        fingerprint: "0f1e2d3c4b5a6978",
        startsAt: "2026-01-05T10:00:00Z",
        receivedAt: "2026-01-05T10:00:02Z",
      },
    },
    { phase: "Ready" },
  );
  await createTask(
    admin,
    other,
    "ledger-review",
    { type: "PostImplementationReview", title: "Review the ledger release", owners },
    {
      phase: "Ready",
      dueAt: "2026-01-02T09:00:00Z",
      conditions: [
        operatorCondition(
          "Overdue",
          "PastDue",
          "The task was due at 2026-01-02T09:00:00Z and has not succeeded.",
          "2026-01-02T09:00:00Z",
        ),
      ],
    },
  );
  await createRelease(admin, team, "cart-1", "checkout", {
    environments: [
      {
        name: "dev",
        state: "Verified",
        revision: "c".repeat(40),
        deployStartedAt: "2026-01-04T10:00:00Z",
        deployedAt: "2026-01-04T10:04:00Z",
        verifiedAt: "2026-01-04T10:20:00Z",
      },
      {
        name: "prod",
        state: "Deployed",
        revision: "c".repeat(40),
        deployStartedAt: "2026-01-05T09:30:00Z",
        deployedAt: "2026-01-05T09:36:00Z",
      },
    ],
    conditions: [
      operatorCondition(
        "UnapprovedDeployment",
        "UnapprovedRevision",
        "Argo CD Application argocd/cart-prod runs revision dddddddddddd, which no approved release promoted to prod.",
        "2026-01-05T11:00:00Z",
      ),
    ],
  });
}

/** Opens a ChangeRequest for `release` in prod and its Approval (the operator's work; no operator runs here). */
export async function openChange(
  admin: KubeClient,
  namespace: string,
  name: string,
  release: string,
  eligible: string[],
  excluded: { user: string; reason: string }[],
): Promise<void> {
  await admin.create(
    resources.changeRequest,
    {
      apiVersion: API_VERSION,
      kind: "ChangeRequest",
      metadata: { name },
      spec: {
        releaseRef: { name: release },
        environment: "prod",
        type: "Normal",
        justification: "Ships the basket fix to production (SHOP-1).",
        plannedWindow: { start: "2030-01-01T08:00:00Z", end: "2030-01-01T10:00:00Z" },
      },
    },
    namespace,
  );
  await admin.create(
    resources.approval,
    {
      apiVersion: API_VERSION,
      kind: "Approval",
      metadata: { name },
      spec: { changeRequestRef: { name }, required: 2, eligible: { users: eligible }, excluded },
    },
    namespace,
  );
}

/** A kubeconfig for the dashboard's own ServiceAccount: the test cluster's server and CA, and its token. */
export async function dashboardKubeconfig(dir: string, token: string): Promise<string> {
  const admin = parseYaml(await readFile(kubeconfigPath("admin"), "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority": string } }[];
  };
  const cluster = admin.clusters[0]?.cluster;
  if (cluster === undefined) throw new Error("the admin kubeconfig names no cluster");
  const file = path.join(dir, "dashboard.kubeconfig");
  await writeFile(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster }],
      users: [{ name: "dashboard", user: { token } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "dashboard" } }],
      "current-context": "test",
    }),
    { mode: 0o600 },
  );
  return file;
}

/** Starts `stagegate-dashboard` as its own process and resolves with its port once it logged it (or rejects with its output when it exits first). */
export async function startDashboardProcess(
  args: string[],
): Promise<{ child: ChildProcess; port: number; proxyPort: number; log: () => string }> {
  const child = spawn(
    process.execPath,
    [...commandArgs(repo, "dashboard", process.env[TEST_BUILD_ENV]), ...args],
    { cwd: repo, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  const lines = createInterface({ input: child.stdout });
  const [port, proxyPort] = await new Promise<[number, number]>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the dashboard exited (${String(code)}): ${text}`)));
    lines.on("line", (line) => {
      text += `${line}\n`;
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number; proxyPort?: number };
        if (entry.msg === "Started the dashboard" && entry.port !== undefined) {
          resolve([entry.port, entry.proxyPort ?? 0]);
        }
      } catch {
        // not a log line
      }
    });
  });
  return { child, port, proxyPort, log: () => text };
}

/** Builds the world; `stop()` takes all of it down again. */
/**
 * Gives the ServiceAccount `namespace/name` the dashboard's only right, `create tokenreviews`, through a ClusterRole
 * and ClusterRoleBinding called `role`; returns their clean-ups.
 */
export async function grantTokenReviews(
  admin: KubeClient,
  role: string,
  namespace: string,
  name: string,
): Promise<(() => Promise<unknown>)[]> {
  await admin.create(clusterRole, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: role },
    rules: [{ apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] }],
  });
  await admin.create(clusterRoleBinding, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: role },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", namespace, name }],
  });
  return [() => admin.delete(clusterRole, role), () => admin.delete(clusterRoleBinding, role)];
}

export async function startDashboardWorld(): Promise<DashboardWorld> {
  const admin = await clientFor("admin");
  const dir = await mkdtemp(path.join(tmpdir(), "stagegate-dashboard-e2e-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    admin.close();
  };
  try {
    const team = await createTestNamespace(admin, "dash-team");
    const other = await createTestNamespace(admin, "dash-other");
    const people = await createTestNamespace(admin, "dash-people");
    for (const ns of [team, other, people]) cleanups.push(() => admin.delete(builtin.namespace, ns));

    // The dashboard's own identity may only create TokenReviews.
    await createServiceAccount(admin, people, "dashboard");
    cleanups.push(
      ...(await grantTokenReviews(admin, `stagegate-dashboard-test-${people}`, people, "dashboard")),
    );

    const persons: Person[] = ["viewer", "approver", "author", "manager"];
    for (const person of persons) await createServiceAccount(admin, people, person);
    const sa = (name: Person) => ({ namespace: people, name });
    // The viewer reads only the other team's namespace; the approver and the author approve in the team's, and
    // the approver also reads the other's. Events are readable to the approver in the team namespace.
    await bind(admin, other, "dash-viewers", { kind: "ClusterRole", name: "stagegate-viewer" }, [
      sa("viewer"),
      sa("approver"),
    ]);
    await bind(admin, team, "dash-approvers", { kind: "ClusterRole", name: "stagegate-approver" }, [
      sa("approver"),
      sa("author"),
    ]);
    // The manager declares releases and tasks in the team's namespace (and may not write their status).
    await bind(admin, team, "dash-managers", { kind: "ClusterRole", name: "stagegate-release-manager" }, [
      sa("manager"),
    ]);
    await admin.create(
      role,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "event-reader", namespace: team },
        rules: [{ apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] }],
      },
      team,
    );
    await bind(admin, team, "dash-event-readers", { kind: "Role", name: "event-reader" }, [sa("approver")]);

    const tokens = {} as Record<Person, string>;
    const usernames = {} as Record<Person, string>;
    for (const person of persons) {
      tokens[person] = await requestToken(admin, people, person);
      usernames[person] = `system:serviceaccount:${people}:${person}`;
    }

    const gated = {
      environments: [
        { name: "dev", state: "Verified" },
        { name: "prod", state: "Gated", reasons: [`ChangeRequest ${CHANGES.shop} is not approved yet.`] },
      ],
    };
    await createRelease(admin, team, "shop-1", "payments", gated);
    await createRelease(admin, team, "billing-1", "billing", {
      environments: [{ name: "dev", state: "Deploying" }],
    });
    await createRelease(admin, other, "ledger-1", "finance", {
      environments: [{ name: "dev", state: "Failed", deployStartedAt: "2026-01-03T10:00:00Z" }],
    });
    await seedOperations(admin, team, other);
    const eligible = [usernames.approver, usernames.author];
    const authored = [{ user: usernames.author, reason: "author of commit aaaaaaa in the release" }];
    await openChange(admin, team, CHANGES.shop, "shop-1", eligible, authored);
    await openChange(admin, team, CHANGES.billing, "billing-1", eligible, authored);

    const audit = new MemoryAudit();
    const webhooks: NamespaceWebhooks = await serveWebhooksFor(admin, team, audit);
    cleanups.push(() => webhooks.stop());

    const feed = await serveCartFeed(dir, team);
    cleanups.push(() => feed.close());
    // The approver is also an auditor: it may list auditrecords (the feed's right); nobody else may.
    const auditors = `stagegate-dashboard-auditors-${people}`;
    await admin.create(clusterRoleBinding, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: auditors },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-auditor" },
      subjects: [{ kind: "ServiceAccount", namespace: people, name: "approver" }],
    });
    cleanups.push(() => admin.delete(clusterRoleBinding, auditors));

    const tls: WebhookTls = await createWebhookTls();
    cleanups.push(() => tls.remove());
    const certDir = await writeOperatorCertDir(tls, path.join(dir, "certs"));
    const kubeconfig = await dashboardKubeconfig(dir, await requestToken(admin, people, "dashboard"));
    const proxyTls = await proxyCertificates(dir);
    const dashboard = await startDashboardProcess([
      "--kubeconfig",
      kubeconfig,
      "--address",
      "127.0.0.1:0",
      "--cert-dir",
      certDir,
      "--namespaces",
      `${team},${other}`,
      "--token-recheck",
      "1s",
      "--audit-feed-url",
      feed.url,
      "--audit-feed-ca",
      feed.caFile,
      "--proxy-address",
      "127.0.0.1:0",
      "--proxy-client-ca",
      proxyTls.caFile,
      "--proxy-allowed-names",
      PROXY_NAME,
    ]);
    cleanups.push(async () => {
      dashboard.child.kill("SIGTERM");
      await new Promise((resolve) => dashboard.child.once("exit", resolve));
    });
    const url = `https://127.0.0.1:${dashboard.port}`;

    const browser = await puppeteer.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      acceptInsecureCerts: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    cleanups.push(() => browser.close());

    const signIn = async (token: string): Promise<{ context: BrowserContext; page: Page }> => {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1200, height: 800 });
      await page.goto(`${url}/sign-in`);
      await paste(page, "#token", token);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      await waitFor("signed in", async () => ((await page.$("#signed-in-user")) === null ? undefined : true));
      return { context, page };
    };

    return {
      admin,
      team,
      other,
      people,
      tokens,
      usernames,
      url,
      browser,
      audit,
      feed,
      proxy: {
        url: `https://127.0.0.1:${dashboard.proxyPort}`,
        servingCaPem: tls.caPem,
        certs: proxyTls.certs,
      },
      dashboardLog: dashboard.log,
      signedIn: (who) => signIn(tokens[who]),
      signedInWith: signIn,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
